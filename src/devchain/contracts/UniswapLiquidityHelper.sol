// SPDX-License-Identifier: MIT
// stacklens devchain: OUR tiny liquidity-provider and swap router for REAL Uniswap v3 pools (the
// @uniswap/v3-core 1.0.1 bytecode), so the devchain needs no v3-periphery. It implements the two
// callbacks a v3 pool makes (IUniswapV3MintCallback, IUniswapV3SwapCallback) and pays what the
// pool asks from the CALLER's balance, which the caller approved to this helper beforehand.
// A callback is only honoured from a pool the configured factory created (factory.getPool).
pragma solidity 0.8.19;

interface IERC20Minimal {
  function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface IUniswapV3FactoryMinimal {
  function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address);
}

interface IUniswapV3PoolMinimal {
  function token0() external view returns (address);
  function token1() external view returns (address);
  function fee() external view returns (uint24);

  function mint(
    address recipient,
    int24 tickLower,
    int24 tickUpper,
    uint128 amount,
    bytes calldata data
  ) external returns (uint256 amount0, uint256 amount1);

  function swap(
    address recipient,
    bool zeroForOne,
    int256 amountSpecified,
    uint160 sqrtPriceLimitX96,
    bytes calldata data
  ) external returns (int256 amount0, int256 amount1);
}

// The callback interfaces of the v3-core package (same selectors), declared here.
interface IUniswapV3MintCallback {
  function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata data) external;
}

interface IUniswapV3SwapCallback {
  function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}

contract UniswapLiquidityHelper is IUniswapV3MintCallback, IUniswapV3SwapCallback {
  // TickMath.MIN_SQRT_RATIO + 1 and TickMath.MAX_SQRT_RATIO - 1: "no price limit".
  uint160 internal constant MIN_SQRT_LIMIT = 4295128740;
  uint160 internal constant MAX_SQRT_LIMIT = 1461446703485210103287273052203988822378723970341;

  IUniswapV3FactoryMinimal public immutable factory;

  event Swapped(address indexed pool, address indexed payer, bool zeroForOne, uint256 amountIn, uint256 amountOut);

  constructor(IUniswapV3FactoryMinimal factory_) {
    factory = factory_;
  }

  /// Adds `liquidity` to [tickLower, tickUpper) for `recipient`; the caller pays the tokens owed.
  function mint(
    IUniswapV3PoolMinimal pool,
    address recipient,
    int24 tickLower,
    int24 tickUpper,
    uint128 liquidity
  ) external returns (uint256 amount0, uint256 amount1) {
    (amount0, amount1) = pool.mint(recipient, tickLower, tickUpper, liquidity, abi.encode(msg.sender));
  }

  /// Sells exactly `amountIn` of one pool token for the other (token0 when `zeroForOne`), sending
  /// the proceeds to `recipient`; reverts if they are below `minAmountOut`. The caller pays.
  function swapExactInput(
    IUniswapV3PoolMinimal pool,
    bool zeroForOne,
    uint256 amountIn,
    uint256 minAmountOut,
    address recipient
  ) external returns (uint256 amountOut) {
    require(amountIn > 0 && amountIn < 2 ** 255, "helper: bad amount");
    (int256 amount0, int256 amount1) = pool.swap(
      recipient,
      zeroForOne,
      int256(amountIn),
      zeroForOne ? MIN_SQRT_LIMIT : MAX_SQRT_LIMIT,
      abi.encode(msg.sender)
    );
    amountOut = uint256(-(zeroForOne ? amount1 : amount0));
    require(amountOut >= minAmountOut, "helper: too little received");
    emit Swapped(address(pool), msg.sender, zeroForOne, amountIn, amountOut);
  }

  function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata data) external override {
    (address token0, address token1) = _checkPool();
    address payer = abi.decode(data, (address));
    if (amount0Owed > 0) _pay(token0, payer, amount0Owed);
    if (amount1Owed > 0) _pay(token1, payer, amount1Owed);
  }

  function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external override {
    (address token0, address token1) = _checkPool();
    address payer = abi.decode(data, (address));
    if (amount0Delta > 0) _pay(token0, payer, uint256(amount0Delta));
    if (amount1Delta > 0) _pay(token1, payer, uint256(amount1Delta));
  }

  function _checkPool() private view returns (address token0, address token1) {
    IUniswapV3PoolMinimal pool = IUniswapV3PoolMinimal(msg.sender);
    token0 = pool.token0();
    token1 = pool.token1();
    require(factory.getPool(token0, token1, pool.fee()) == msg.sender, "helper: not a factory pool");
  }

  function _pay(address token, address payer, uint256 amount) private {
    require(IERC20Minimal(token).transferFrom(payer, msg.sender, amount), "helper: transfer failed");
  }
}
