// SPDX-License-Identifier: MIT
// stacklens devchain: STAND-INS for the smart-account registries stacklens discovers accounts
// through. Written here (no npm package ships their bytecode); each speaks the view/event subset
// stacklens reads, with the real contracts' signatures and storage semantics, and nothing more:
//
// - ProxyRegistryStandIn: DSProxy's ProxyRegistry (makerdao/ds-proxy + proxy-registry):
//   `proxies(address owner) view returns (address)`, `build(address owner) returns (address)`.
// - DSProxyStandIn: a DSProxy's `owner() view returns (address)`, `setOwner(address)` and
//   `execute(address target, bytes data) payable returns (bytes)`, owner-only. The real DSProxy
//   DELEGATECALLs a script; this stand-in CALLs the target, so the proxy itself is the
//   `msg.sender` of a supply or borrow (which is what a script run in the proxy achieves).
// - InstaListStandIn: Instadapp's InstaList (Instadapp/dsa-contracts registry/list.sol):
//   `accounts`, `accountID(address)`, `accountAddr(uint64)`, `userLink(address)` ->
//   (first, last, count), `userList(address, uint64)` -> (prev, next), with the same per-owner
//   doubly linked list; `build(owner)` stands in for InstaIndex.build + InstaList.init/addAuth.
// - DpmAccountGuardStandIn / DpmAccountFactoryStandIn: Summer.fi DPM's AccountGuard
//   (`owners(address proxy) view returns (address)`) and AccountFactory (`createAccount(address
//   user)`, emitting `AccountCreated(address indexed proxy, address indexed user, uint256
//   indexed vaultId)`), as in OasisDEX/oasis-earn-sc dma-contracts' dpm/ contracts.
// Accounts made by the InstaList and DPM stand-ins are DSProxyStandIns (owner + execute): the
// devchain needs them to hold positions, not to reproduce each account's own logic.
pragma solidity 0.8.19;

contract DSProxyStandIn {
  address public owner;

  event LogSetOwner(address indexed owner);

  constructor(address owner_) {
    owner = owner_;
    emit LogSetOwner(owner_);
  }

  modifier auth() {
    require(msg.sender == owner, "ds-auth-unauthorized");
    _;
  }

  function setOwner(address owner_) external auth {
    owner = owner_;
    emit LogSetOwner(owner_);
  }

  function execute(address target, bytes calldata data) external payable auth returns (bytes memory response) {
    require(target != address(0), "ds-proxy-target-address-required");
    bool ok;
    (ok, response) = target.call{value: msg.value}(data);
    if (!ok) {
      assembly {
        revert(add(response, 32), mload(response))
      }
    }
  }
}

contract ProxyRegistryStandIn {
  mapping(address => address) public proxies;

  function build(address owner) external returns (address proxy) {
    address current = proxies[owner];
    require(current == address(0) || DSProxyStandIn(current).owner() != owner, "proxy-exists");
    proxy = address(new DSProxyStandIn(owner));
    proxies[owner] = proxy;
  }
}

contract InstaListStandIn {
  struct UserLink {
    uint64 first;
    uint64 last;
    uint64 count;
  }
  struct UserList {
    uint64 prev;
    uint64 next;
  }

  uint64 public accounts;
  mapping(address => uint64) public accountID;
  mapping(uint64 => address) public accountAddr;
  mapping(address => UserLink) public userLink;
  mapping(address => mapping(uint64 => UserList)) public userList;

  function build(address owner) external returns (address account) {
    account = address(new DSProxyStandIn(owner));
    uint64 id = ++accounts;
    accountID[account] = id;
    accountAddr[id] = account;
    UserLink storage link = userLink[owner];
    if (link.last != 0) {
      userList[owner][id].prev = link.last;
      userList[owner][link.last].next = id;
    }
    if (link.first == 0) link.first = id;
    link.last = id;
    link.count += 1;
  }
}

contract DpmAccountGuardStandIn {
  mapping(address => address) public owners;
  address public factory;

  function initializeFactory() external {
    require(factory == address(0), "account-guard/factory-set");
    factory = msg.sender;
  }

  function setOwner(address proxy, address owner) external {
    require(msg.sender == factory, "account-guard/not-factory");
    owners[proxy] = owner;
  }
}

contract DpmAccountFactoryStandIn {
  DpmAccountGuardStandIn public immutable guard;
  uint256 public accountsGlobalCounter;

  event AccountCreated(address indexed proxy, address indexed user, uint256 indexed vaultId);

  constructor(DpmAccountGuardStandIn guard_) {
    guard = guard_;
    guard_.initializeFactory();
  }

  function createAccount(address user) external returns (address proxy) {
    require(user != address(0), "account-factory/zero-address");
    uint256 vaultId = ++accountsGlobalCounter;
    proxy = address(new DSProxyStandIn(user));
    guard.setOwner(proxy, user);
    emit AccountCreated(proxy, user, vaultId);
  }
}
