// SPDX-License-Identifier: MIT
// stacklens devchain: an aggregator that speaks the Multicall3 ABI subset stacklens uses
// (aggregate3, getBlockNumber, getCurrentBlockTimestamp, getEthBalance, getChainId). The
// devchain places its runtime code at the canonical Multicall3 address, so the adapters read
// the devchain exactly as they read a real network. Our own code, not Multicall3's.
pragma solidity 0.8.19;

contract BatchReader {
  struct Call3 {
    address target;
    bool allowFailure;
    bytes callData;
  }

  struct Result {
    bool success;
    bytes returnData;
  }

  function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory results) {
    results = new Result[](calls.length);
    for (uint256 i = 0; i < calls.length; i++) {
      (bool ok, bytes memory data) = calls[i].target.call(calls[i].callData);
      require(ok || calls[i].allowFailure, "BatchReader: call failed");
      results[i] = Result(ok, data);
    }
  }

  function getBlockNumber() external view returns (uint256) {
    return block.number;
  }

  function getCurrentBlockTimestamp() external view returns (uint256) {
    return block.timestamp;
  }

  function getEthBalance(address account) external view returns (uint256) {
    return account.balance;
  }

  function getChainId() external view returns (uint256) {
    return block.chainid;
  }
}
