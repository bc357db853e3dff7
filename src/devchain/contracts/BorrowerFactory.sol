// SPDX-License-Identifier: MIT
// stacklens devchain: OUR factory for the borrower population. One transaction opens many REAL
// positions: each call deploys a batch of small borrower contracts, and each borrower, in its
// constructor, takes its collateral from the factory (minted to the factory beforehand), supplies
// it to Aave v3 (or posts it as Morpho Blue collateral) on its OWN behalf and borrows against it,
// forwarding the loan to the factory's owner. The borrower contract IS the borrower account (a
// contract account, as many real DeFi positions are): Aave's Supply/Borrow events and Morpho's
// SupplyCollateral/Borrow events name it. Its owner can later act through it with execute().
pragma solidity 0.8.19;

interface IERC20Like {
  function approve(address spender, uint256 amount) external returns (bool);
  function transfer(address to, uint256 amount) external returns (bool);
}

interface IAavePoolLike {
  function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;

  function borrow(
    address asset,
    uint256 amount,
    uint256 interestRateMode,
    uint16 referralCode,
    address onBehalfOf
  ) external;
}

struct MorphoMarketParams {
  address loanToken;
  address collateralToken;
  address oracle;
  address irm;
  uint256 lltv;
}

interface IMorphoLike {
  function supplyCollateral(
    MorphoMarketParams memory marketParams,
    uint256 assets,
    address onBehalf,
    bytes memory data
  ) external;

  function borrow(
    MorphoMarketParams memory marketParams,
    uint256 assets,
    uint256 shares,
    address onBehalf,
    address receiver
  ) external returns (uint256, uint256);
}

/// One Aave borrower to open: collaterals supplied (raw units), then `debt` of `debtAsset` borrowed
/// at the variable rate.
struct AaveBorrowerSpec {
  address[] collaterals;
  uint256[] amounts;
  address debtAsset;
  uint256 debt;
  uint256 tag;
}

/// One Morpho borrower to open in the batch's market: `collateral` posted, `debt` loan assets borrowed.
struct MorphoBorrowerSpec {
  uint256 collateral;
  uint256 debt;
  uint256 tag;
}

abstract contract PopulationBorrower {
  address public immutable owner;

  constructor(address owner_) {
    owner = owner_;
  }

  /// Lets the owner act as this account (repay, withdraw, ...).
  function execute(address target, bytes calldata data) external payable returns (bytes memory) {
    require(msg.sender == owner, "borrower: not owner");
    (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
    if (!ok) {
      assembly {
        revert(add(ret, 32), mload(ret))
      }
    }
    return ret;
  }

  function _take(address token, uint256 amount, address spender) internal {
    BorrowerFactory(msg.sender).fund(token, amount);
    require(IERC20Like(token).approve(spender, amount), "borrower: approve failed");
  }
}

contract PopulationAaveBorrower is PopulationBorrower {
  constructor(address owner_, IAavePoolLike pool, AaveBorrowerSpec memory spec) PopulationBorrower(owner_) {
    for (uint256 i = 0; i < spec.collaterals.length; i++) {
      _take(spec.collaterals[i], spec.amounts[i], address(pool));
      pool.supply(spec.collaterals[i], spec.amounts[i], address(this), 0);
    }
    if (spec.debt > 0) {
      pool.borrow(spec.debtAsset, spec.debt, 2, 0, address(this));
      require(IERC20Like(spec.debtAsset).transfer(owner_, spec.debt), "borrower: transfer failed");
    }
  }
}

contract PopulationMorphoBorrower is PopulationBorrower {
  constructor(
    address owner_,
    IMorphoLike morpho,
    MorphoMarketParams memory params,
    MorphoBorrowerSpec memory spec
  ) PopulationBorrower(owner_) {
    _take(params.collateralToken, spec.collateral, address(morpho));
    morpho.supplyCollateral(params, spec.collateral, address(this), "");
    if (spec.debt > 0) morpho.borrow(params, spec.debt, 0, address(this), owner_);
  }
}

contract BorrowerFactory {
  address public immutable owner;
  bool private opening;

  /// venue: 1 = Aave v3, 2 = Morpho Blue. tag: the caller's index of the borrower.
  event BorrowerOpened(address indexed borrower, uint8 indexed venue, uint256 tag);

  constructor(address owner_) {
    owner = owner_;
  }

  modifier onlyOwner() {
    require(msg.sender == owner, "factory: not owner");
    _;
  }

  function openAaveBorrowers(
    IAavePoolLike pool,
    AaveBorrowerSpec[] calldata specs
  ) external onlyOwner returns (address[] memory borrowers) {
    opening = true;
    borrowers = new address[](specs.length);
    for (uint256 i = 0; i < specs.length; i++) {
      borrowers[i] = address(new PopulationAaveBorrower(owner, pool, specs[i]));
      emit BorrowerOpened(borrowers[i], 1, specs[i].tag);
    }
    opening = false;
  }

  function openMorphoBorrowers(
    IMorphoLike morpho,
    MorphoMarketParams calldata params,
    MorphoBorrowerSpec[] calldata specs
  ) external onlyOwner returns (address[] memory borrowers) {
    opening = true;
    borrowers = new address[](specs.length);
    for (uint256 i = 0; i < specs.length; i++) {
      borrowers[i] = address(new PopulationMorphoBorrower(owner, morpho, params, specs[i]));
      emit BorrowerOpened(borrowers[i], 2, specs[i].tag);
    }
    opening = false;
  }

  /// Called by a borrower under construction (only while a batch is opening): sends it collateral.
  function fund(address token, uint256 amount) external {
    require(opening, "factory: not opening");
    require(IERC20Like(token).transfer(msg.sender, amount), "factory: transfer failed");
  }

  /// Returns tokens the factory still holds to the owner.
  function sweep(address token, uint256 amount) external onlyOwner {
    require(IERC20Like(token).transfer(owner, amount), "factory: transfer failed");
  }
}
