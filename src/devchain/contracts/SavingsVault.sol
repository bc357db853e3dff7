// SPDX-License-Identifier: MIT
// stacklens devchain: a savings vault, OpenZeppelin 4.9.6's ERC-4626 as is, nothing added. Its rate
// (convertToAssets) rises when the underlying is transferred to it (a "yield donation"), exactly as
// on real savings vaults (sDAI, sUSDS) when their yield lands.
pragma solidity 0.8.19;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

contract SavingsVault is ERC4626 {
  constructor(IERC20 asset_, string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC4626(asset_) {}
}
