// SPDX-License-Identifier: MIT
// stacklens devchain: AaveV4SpokeDouble, AaveV4HubDouble and AaveV4OracleDouble, TEST DOUBLES of
// Aave V4's Spoke, Hub and per-Spoke AaveOracle (aave/aave-v4 v0.5.11). They are NOT Aave V4.
//
// No Aave V4 bytecode ships on npm (V4's source is under Aave's BUSL licence and not published as
// a package), so the devchain carries these stand-ins, written for stacklens from the formulas and
// layouts in ../shared/protocols/aave-v4/FACTS.md (no V4 source is copied here). They answer, with
// V4's REAL ABI (the selectors and tuple layouts of abis/aave-v4-*.ts), every read the stacklens
// Aave V4 adapter (src/protocols/aave-v4/) makes, and emit the events its discovery scans:
// - Spoke: getUserAccountData, getUserLastRiskPremium, getUserPosition, getUserReserveStatus,
//   getUserSuppliedAssets, getUserSuppliedShares, getUserDebt, getUserTotalDebt,
//   getUserPremiumDebtRay, getLiquidationConfig, getReserveCount, getReserve,
//   getDynamicReserveConfig, getReserveId, ORACLE; events AddReserve, AddDynamicReserveConfig,
//   Supply, Withdraw, Borrow, Repay, SetUsingAsCollateral, UpdateUserRiskPremium.
// - Hub: getAssetCount, getAssetDrawnIndex, getAddedAssets, getAddedShares,
//   getAssetUnderlyingAndDecimals, previewRemoveByShares, previewRemoveByAssets,
//   previewAddByAssets; events AddAsset, AddSpoke.
// - Oracle: getReservePrice (the feed's latestAnswer, reverting InvalidSource / InvalidPrice),
//   getReservesPrices, getReserveSource, decimals (8).
//
// What is computed as V4 computes it (FACTS.md sections 5 to 10), in Solidity, from the stored
// state at every call (no answer is stored): getUserAccountData (collateral = flag set, CF > 0
// under the USER's config key, shares > 0, valued at previewRemoveByShares floor; debt = drawn
// shares x view-accrued index + premium debt, unrounded, in Value x RAY; HF = mulDiv(sum(CF x
// value) x 1e14, RAY, totalDebtValueRay) floor, or 2^256-1 without debt; avgCF floor; the current
// risk premium over collaterals sorted by collateral risk ascending then value descending, rounded
// up); the Hub's ERC-4626-style share conversions with 1e6 virtual assets and shares; the drawn
// index accrued linearly in views (stored index rayMulUp (RAY + rate x dt / 365 days)) and stored
// at each Hub action; premium shares = percentMulUp(drawnShares, stored risk premium) with the
// offset reset so the premium accrued so far is kept; config keys bound on setUsingAsCollateral
// (that reserve) and rebound on borrow (every collateral), the HF >= 1 check of borrow and of
// disabling collateral under the refreshed keys, and the stored risk premium written after them;
// withdraw at previewRemoveByAssets (shares rounded up) with the same check for a collateral;
// repay premium first, drawn shares burnt rounded down, premium shares re-derived at the STORED
// risk premium, the borrowing flag cleared at zero drawn shares, the stored premium left as is.
//
// What is NOT like V4 (simplifications of the double): one flat drawn rate per asset set by the
// Hub's admin (no interest-rate strategy, no utilisation curve); no liquidity fee, realized fees,
// swept amounts, deficits, caps, reinvestment or treasury; no position managers (the caller must
// be the position owner), no intents, no multicall, no extSload; no liquidationCall (so no
// LiquidationCall, ReportDeficit or receiveShares), no dust rules on repay, no pause/freeze
// checks beyond `borrowable`; no SPOKE_REVISION (the adapter states no revision for it). Tokens
// do move: supply and repay pull the underlying into the Hub, withdraw and borrow send it out.
//
// Exactness against the REAL V4 contracts is proven elsewhere: test/replay/aave-v4.test.ts replays
// recordings of the real Spoke/Hub (../shared/protocols/aave-v4/recordings) through the adapter.
// On the devchain, the adapter's zero-tolerance check (its own recomputation against this
// double's getUserAccountData) holds because both follow the same formulas from the same state.
pragma solidity 0.8.19;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

interface IAaveV4DoubleToken {
  function transfer(address to, uint256 amount) external returns (bool);

  function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface IAaveV4DoubleFeed {
  function latestAnswer() external view returns (int256);
}

// The rounding helpers of V4's WadRayMath, PercentageMath and SharesMath, as named (free functions).
uint256 constant V4D_RAY = 1e27;
uint256 constant V4D_PERCENT = 1e4;
uint256 constant V4D_VIRTUAL = 1e6;

function rayMulUp(uint256 a, uint256 b) pure returns (uint256) {
  return Math.mulDiv(a, b, V4D_RAY, Math.Rounding.Up);
}

function rayDivDown(uint256 a, uint256 b) pure returns (uint256) {
  return Math.mulDiv(a, V4D_RAY, b);
}

function rayDivUp(uint256 a, uint256 b) pure returns (uint256) {
  return Math.mulDiv(a, V4D_RAY, b, Math.Rounding.Up);
}

function fromRayUp(uint256 a) pure returns (uint256) {
  return a == 0 ? 0 : (a - 1) / V4D_RAY + 1;
}

function percentMulUp(uint256 x, uint256 bps) pure returns (uint256) {
  return Math.mulDiv(x, bps, V4D_PERCENT, Math.Rounding.Up);
}

/** shares -> assets, floor (previewRemoveByShares). */
function toAssetsDown(uint256 shares, uint256 totalAssets, uint256 totalShares) pure returns (uint256) {
  return Math.mulDiv(shares, totalAssets + V4D_VIRTUAL, totalShares + V4D_VIRTUAL);
}

/** assets -> shares, ceil (previewRemoveByAssets). */
function toSharesUp(uint256 assets, uint256 totalAssets, uint256 totalShares) pure returns (uint256) {
  return Math.mulDiv(assets, totalShares + V4D_VIRTUAL, totalAssets + V4D_VIRTUAL, Math.Rounding.Up);
}

/** assets -> shares, floor (previewAddByAssets). */
function toSharesDown(uint256 assets, uint256 totalAssets, uint256 totalShares) pure returns (uint256) {
  return Math.mulDiv(assets, totalShares + V4D_VIRTUAL, totalAssets + V4D_VIRTUAL);
}

using {rayMulUp, rayDivDown, rayDivUp, fromRayUp, percentMulUp, toAssetsDown, toSharesUp, toSharesDown} for uint256;

/** A TEST DOUBLE of an Aave V4 Hub: liquidity, added (supplied) shares, drawn shares and premium per asset. */
contract AaveV4HubDouble {
  uint256 internal constant RAY = 1e27;
  uint256 internal constant SECONDS_PER_YEAR = 365 days;

  struct Asset {
    address underlying;
    uint8 decimals;
    uint256 liquidity;
    uint256 addedShares;
    uint256 drawnShares;
    uint256 premiumShares;
    int256 premiumOffsetRay;
    /** Stored drawn index, RAY. */
    uint256 drawnIndex;
    /** Flat drawn rate, RAY per year (linear between accruals). */
    uint256 drawnRate;
    uint256 lastUpdateTimestamp;
  }

  event AddAsset(uint256 indexed assetId, address indexed underlying, uint8 decimals);
  event AddSpoke(uint256 indexed assetId, address indexed spoke);

  error OnlyAdmin();
  error SpokeNotListed();
  error AssetNotListed();
  error InvalidAmount();
  error InsufficientLiquidity();

  address public immutable admin;
  Asset[] internal _assets;
  mapping(uint256 => mapping(address => bool)) public isSpokeListed;

  constructor(address admin_) {
    admin = admin_;
  }

  modifier onlyAdmin() {
    if (msg.sender != admin) revert OnlyAdmin();
    _;
  }

  modifier onlySpoke(uint256 assetId) {
    if (assetId >= _assets.length) revert AssetNotListed();
    if (!isSpokeListed[assetId][msg.sender]) revert SpokeNotListed();
    _;
  }

  // ---- admin

  function addAsset(address underlying, uint8 decimals, uint256 drawnRate) external onlyAdmin returns (uint256) {
    _assets.push(
      Asset({
        underlying: underlying,
        decimals: decimals,
        liquidity: 0,
        addedShares: 0,
        drawnShares: 0,
        premiumShares: 0,
        premiumOffsetRay: 0,
        drawnIndex: RAY,
        drawnRate: drawnRate,
        lastUpdateTimestamp: block.timestamp
      })
    );
    uint256 assetId = _assets.length - 1;
    emit AddAsset(assetId, underlying, decimals);
    return assetId;
  }

  function addSpoke(uint256 assetId, address spoke) external onlyAdmin {
    if (assetId >= _assets.length) revert AssetNotListed();
    isSpokeListed[assetId][spoke] = true;
    emit AddSpoke(assetId, spoke);
  }

  /** Accrues at the old rate, then sets the flat rate (RAY per year). */
  function setDrawnRate(uint256 assetId, uint256 drawnRate) external onlyAdmin {
    if (assetId >= _assets.length) revert AssetNotListed();
    accrue(assetId);
    _assets[assetId].drawnRate = drawnRate;
  }

  // ---- accrual

  /** Stores the view-accrued index (AssetLogic.accrue without fees). Anyone may call it. */
  function accrue(uint256 assetId) public {
    Asset storage a = _assets[assetId];
    a.drawnIndex = _drawnIndex(a);
    a.lastUpdateTimestamp = block.timestamp;
  }

  function _drawnIndex(Asset storage a) internal view returns (uint256) {
    if (a.lastUpdateTimestamp == block.timestamp || (a.drawnShares == 0 && a.premiumShares == 0)) {
      return a.drawnIndex;
    }
    uint256 factor = RAY + (a.drawnRate * (block.timestamp - a.lastUpdateTimestamp)) / SECONDS_PER_YEAR;
    return a.drawnIndex.rayMulUp(factor);
  }

  function _addedAssets(Asset storage a) internal view returns (uint256) {
    uint256 index = _drawnIndex(a);
    uint256 owedRay = a.drawnShares * index + uint256(int256(a.premiumShares * index) - a.premiumOffsetRay);
    return a.liquidity + owedRay.fromRayUp();
  }

  // ---- views (IHub)

  function getAssetCount() external view returns (uint256) {
    return _assets.length;
  }

  function getAssetDrawnIndex(uint256 assetId) external view returns (uint256) {
    if (assetId >= _assets.length) return 0;
    return _drawnIndex(_assets[assetId]);
  }

  function getAddedAssets(uint256 assetId) external view returns (uint256) {
    if (assetId >= _assets.length) return 0;
    return _addedAssets(_assets[assetId]);
  }

  function getAddedShares(uint256 assetId) external view returns (uint256) {
    if (assetId >= _assets.length) return 0;
    return _assets[assetId].addedShares;
  }

  function getAssetUnderlyingAndDecimals(uint256 assetId) external view returns (address, uint8) {
    if (assetId >= _assets.length) return (address(0), 0);
    return (_assets[assetId].underlying, _assets[assetId].decimals);
  }

  function getAssetDrawnRateStored(uint256 assetId) external view returns (uint256) {
    return _assets[assetId].drawnRate;
  }

  function previewRemoveByShares(uint256 assetId, uint256 shares) public view returns (uint256) {
    Asset storage a = _assets[assetId];
    return shares.toAssetsDown(_addedAssets(a), a.addedShares);
  }

  function previewRemoveByAssets(uint256 assetId, uint256 assets) public view returns (uint256) {
    Asset storage a = _assets[assetId];
    return assets.toSharesUp(_addedAssets(a), a.addedShares);
  }

  function previewAddByAssets(uint256 assetId, uint256 assets) public view returns (uint256) {
    Asset storage a = _assets[assetId];
    return assets.toSharesDown(_addedAssets(a), a.addedShares);
  }

  // ---- Spoke actions (the Spoke moved the tokens in before `add`)

  function add(uint256 assetId, uint256 amount) external onlySpoke(assetId) returns (uint256 shares) {
    accrue(assetId);
    shares = previewAddByAssets(assetId, amount);
    if (amount == 0 || shares == 0) revert InvalidAmount();
    Asset storage a = _assets[assetId];
    a.addedShares += shares;
    a.liquidity += amount;
  }

  function draw(uint256 assetId, uint256 amount, address to) external onlySpoke(assetId) returns (uint256 shares) {
    accrue(assetId);
    Asset storage a = _assets[assetId];
    if (amount == 0) revert InvalidAmount();
    if (amount > a.liquidity) revert InsufficientLiquidity();
    shares = amount.rayDivUp(a.drawnIndex);
    a.drawnShares += shares;
    a.liquidity -= amount;
    IAaveV4DoubleToken(a.underlying).transfer(to, amount);
  }

  /** Burns `shares` added shares and sends `amount` (the Spoke sized both, never above the shares' worth). */
  function remove(uint256 assetId, uint256 amount, uint256 shares, address to) external onlySpoke(assetId) {
    accrue(assetId);
    Asset storage a = _assets[assetId];
    if (amount > a.liquidity) revert InsufficientLiquidity();
    a.addedShares -= shares;
    a.liquidity -= amount;
    IAaveV4DoubleToken(a.underlying).transfer(to, amount);
  }

  /**
   * A repayment the Spoke pulled into the Hub: `amount` of liquidity back, `drawnShares` drawn
   * shares burnt, the premium totals moved by the user's premium delta.
   */
  function restore(
    uint256 assetId,
    uint256 amount,
    uint256 drawnShares,
    int256 premiumSharesDelta,
    int256 premiumOffsetRayDelta
  ) external onlySpoke(assetId) {
    accrue(assetId);
    Asset storage a = _assets[assetId];
    a.liquidity += amount;
    a.drawnShares -= drawnShares;
    a.premiumShares = uint256(int256(a.premiumShares) + premiumSharesDelta);
    a.premiumOffsetRay += premiumOffsetRayDelta;
  }

  /** Applies a user's premium refresh to the asset's totals (premium conserved by construction). */
  function refreshPremium(uint256 assetId, int256 sharesDelta, int256 offsetRayDelta) external onlySpoke(assetId) {
    accrue(assetId);
    Asset storage a = _assets[assetId];
    a.premiumShares = uint256(int256(a.premiumShares) + sharesDelta);
    a.premiumOffsetRay += offsetRayDelta;
  }
}

/** A TEST DOUBLE of a Spoke's AaveOracle: one feed per reserveId, read with latestAnswer(), 8 decimals. */
contract AaveV4OracleDouble {
  error OnlyAdmin();
  error InvalidSource(uint256 reserveId);
  error InvalidPrice(uint256 reserveId);

  address public immutable admin;
  uint8 public constant decimals = 8;
  mapping(uint256 => address) internal _sources;

  constructor(address admin_) {
    admin = admin_;
  }

  function setReserveSource(uint256 reserveId, address source) external {
    if (msg.sender != admin) revert OnlyAdmin();
    _sources[reserveId] = source;
  }

  function getReserveSource(uint256 reserveId) external view returns (address) {
    return _sources[reserveId];
  }

  function getReservePrice(uint256 reserveId) public view returns (uint256) {
    address source = _sources[reserveId];
    if (source == address(0)) revert InvalidSource(reserveId);
    int256 price = IAaveV4DoubleFeed(source).latestAnswer();
    if (price <= 0) revert InvalidPrice(reserveId);
    return uint256(price);
  }

  function getReservesPrices(uint256[] calldata reserveIds) external view returns (uint256[] memory prices) {
    prices = new uint256[](reserveIds.length);
    for (uint256 i = 0; i < reserveIds.length; i++) prices[i] = getReservePrice(reserveIds[i]);
  }
}

/** A TEST DOUBLE of an Aave V4 Spoke (see the file header for what it does and does not do). */
contract AaveV4SpokeDouble {
  uint256 internal constant RAY = 1e27;
  uint256 internal constant WAD = 1e18;
  uint256 internal constant HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 1e18;
  uint8 internal constant FLAG_BORROWABLE = 0x04;
  uint8 internal constant STATUS_BORROWING = 0x01;
  uint8 internal constant STATUS_COLLATERAL = 0x02;

  struct Reserve {
    address underlying;
    address hub;
    uint16 assetId;
    uint8 decimals;
    uint24 collateralRisk;
    uint8 flags;
    uint32 dynamicConfigKey;
  }

  struct DynamicReserveConfig {
    uint16 collateralFactor;
    uint32 maxLiquidationBonus;
    uint16 liquidationFee;
  }

  struct LiquidationConfig {
    uint128 targetHealthFactor;
    uint64 healthFactorForMaxBonus;
    uint16 liquidationBonusFactor;
  }

  struct UserPosition {
    uint120 drawnShares;
    uint120 premiumShares;
    int200 premiumOffsetRay;
    uint120 suppliedShares;
    uint32 dynamicConfigKey;
  }

  struct PremiumDelta {
    int256 sharesDelta;
    int256 offsetRayDelta;
    uint256 restoredPremiumRay;
  }

  struct UserAccountData {
    uint256 riskPremium;
    uint256 avgCollateralFactor;
    uint256 healthFactor;
    uint256 totalCollateralValue;
    uint256 totalDebtValueRay;
    uint256 activeCollateralCount;
    uint256 borrowCount;
  }

  event AddReserve(uint256 indexed reserveId, uint256 indexed assetId, address indexed hub);
  event AddDynamicReserveConfig(uint256 indexed reserveId, uint32 indexed dynamicConfigKey, DynamicReserveConfig config);
  event Supply(uint256 indexed reserveId, address indexed caller, address indexed user, uint256 suppliedShares, uint256 suppliedAmount);
  event Withdraw(uint256 indexed reserveId, address indexed caller, address indexed user, uint256 withdrawnShares, uint256 withdrawnAmount);
  event Borrow(uint256 indexed reserveId, address indexed caller, address indexed user, uint256 drawnShares, uint256 drawnAmount);
  event Repay(
    uint256 indexed reserveId,
    address indexed caller,
    address indexed user,
    uint256 drawnShares,
    uint256 totalAmountRepaid,
    PremiumDelta premiumDelta
  );
  event SetUsingAsCollateral(uint256 indexed reserveId, address indexed caller, address indexed user, bool usingAsCollateral);
  event UpdateUserRiskPremium(address indexed user, uint256 riskPremium);

  error OnlyAdmin();
  error Unauthorized();
  error ReserveNotListed();
  error ReserveNotBorrowable(uint256 reserveId);
  error InvalidAmount();
  error HealthFactorBelowThreshold();

  address public immutable admin;
  address public immutable ORACLE;
  LiquidationConfig internal _liquidationConfig;
  Reserve[] internal _reserves;
  mapping(uint256 => mapping(uint32 => DynamicReserveConfig)) internal _dynamicConfig;
  mapping(address => mapping(uint256 => uint256)) internal _reserveIdPlusOne;
  mapping(address => mapping(uint256 => UserPosition)) internal _positions;
  mapping(address => mapping(uint256 => uint8)) internal _status;
  mapping(address => uint256[]) internal _userReserves;
  mapping(address => mapping(uint256 => bool)) internal _touched;
  mapping(address => uint24) internal _storedRiskPremium;

  constructor(address admin_, address oracle_, LiquidationConfig memory liquidationConfig_) {
    admin = admin_;
    ORACLE = oracle_;
    _liquidationConfig = liquidationConfig_;
  }

  // ---- admin

  function addReserve(
    address hub,
    uint16 assetId,
    uint24 collateralRisk,
    uint8 flags,
    DynamicReserveConfig calldata config
  ) external returns (uint256 reserveId) {
    if (msg.sender != admin) revert OnlyAdmin();
    (address underlying, uint8 decimals) = AaveV4HubDouble(hub).getAssetUnderlyingAndDecimals(assetId);
    if (underlying == address(0)) revert ReserveNotListed();
    reserveId = _reserves.length;
    _reserves.push(Reserve(underlying, hub, assetId, decimals, collateralRisk, flags, 0));
    _reserveIdPlusOne[hub][assetId] = reserveId + 1;
    _dynamicConfig[reserveId][0] = config;
    emit AddReserve(reserveId, assetId, hub);
    emit AddDynamicReserveConfig(reserveId, 0, config);
  }

  /** Appends a config key (the reserve's latest); users keep theirs until a refresh. */
  function addDynamicReserveConfig(uint256 reserveId, DynamicReserveConfig calldata config) external returns (uint32 key) {
    if (msg.sender != admin) revert OnlyAdmin();
    Reserve storage r = _reserve(reserveId);
    key = r.dynamicConfigKey + 1;
    r.dynamicConfigKey = key;
    _dynamicConfig[reserveId][key] = config;
    emit AddDynamicReserveConfig(reserveId, key, config);
  }

  // ---- user actions (the caller is the position owner: no position managers)

  function supply(uint256 reserveId, uint256 amount, address onBehalfOf) external returns (uint256 shares, uint256) {
    if (msg.sender != onBehalfOf) revert Unauthorized();
    Reserve storage r = _reserve(reserveId);
    if (amount == 0) revert InvalidAmount();
    IAaveV4DoubleToken(r.underlying).transferFrom(msg.sender, r.hub, amount);
    shares = AaveV4HubDouble(r.hub).add(r.assetId, amount);
    UserPosition storage p = _positions[onBehalfOf][reserveId];
    p.suppliedShares += uint120(shares);
    _touch(onBehalfOf, reserveId);
    emit Supply(reserveId, msg.sender, onBehalfOf, shares, amount);
    return (shares, amount);
  }

  function setUsingAsCollateral(uint256 reserveId, bool usingAsCollateral, address onBehalfOf) external {
    if (msg.sender != onBehalfOf) revert Unauthorized();
    Reserve storage r = _reserve(reserveId);
    uint8 status = _status[onBehalfOf][reserveId];
    if (((status & STATUS_COLLATERAL) != 0) == usingAsCollateral) return;
    _touch(onBehalfOf, reserveId);
    if (usingAsCollateral) {
      _status[onBehalfOf][reserveId] = status | STATUS_COLLATERAL;
      // Binds this reserve's key only (Spoke.sol:404-405).
      _positions[onBehalfOf][reserveId].dynamicConfigKey = r.dynamicConfigKey;
    } else {
      _status[onBehalfOf][reserveId] = status & ~STATUS_COLLATERAL;
      _refreshValidateAndNotify(onBehalfOf);
    }
    emit SetUsingAsCollateral(reserveId, msg.sender, onBehalfOf, usingAsCollateral);
  }

  function borrow(uint256 reserveId, uint256 amount, address onBehalfOf) external returns (uint256 shares, uint256) {
    if (msg.sender != onBehalfOf) revert Unauthorized();
    Reserve storage r = _reserve(reserveId);
    if (r.flags & FLAG_BORROWABLE == 0) revert ReserveNotBorrowable(reserveId);
    shares = AaveV4HubDouble(r.hub).draw(r.assetId, amount, msg.sender);
    _positions[onBehalfOf][reserveId].drawnShares += uint120(shares);
    _status[onBehalfOf][reserveId] |= STATUS_BORROWING;
    _touch(onBehalfOf, reserveId);
    _refreshValidateAndNotify(onBehalfOf);
    emit Borrow(reserveId, msg.sender, onBehalfOf, shares, amount);
    return (shares, amount);
  }

  /**
   * Withdraws `amount` (all of it when `amount` >= the supplied assets: every share, for the
   * floor-rounded assets) at previewRemoveByAssets (shares rounded up); a collateral withdrawal
   * rebinds the keys, needs HF >= 1 and stores the risk premium.
   */
  function withdraw(uint256 reserveId, uint256 amount, address onBehalfOf) external returns (uint256 shares, uint256) {
    if (msg.sender != onBehalfOf) revert Unauthorized();
    Reserve storage r = _reserve(reserveId);
    UserPosition storage p = _positions[onBehalfOf][reserveId];
    AaveV4HubDouble hub = AaveV4HubDouble(r.hub);
    hub.accrue(r.assetId);
    uint256 supplied = hub.previewRemoveByShares(r.assetId, p.suppliedShares);
    if (amount >= supplied) {
      amount = supplied;
      shares = p.suppliedShares;
    } else {
      shares = hub.previewRemoveByAssets(r.assetId, amount);
    }
    if (amount == 0) revert InvalidAmount();
    hub.remove(r.assetId, amount, shares, msg.sender);
    p.suppliedShares -= uint120(shares);
    if (_status[onBehalfOf][reserveId] & STATUS_COLLATERAL != 0) _refreshValidateAndNotify(onBehalfOf);
    emit Withdraw(reserveId, msg.sender, onBehalfOf, shares, amount);
    return (shares, amount);
  }

  /**
   * Repays premium first, then drawn debt (FACTS.md section 7): the whole debt when `amount`
   * covers drawn + ceil(premium); else the premium (or `amount` of it) and the rest as drawn
   * shares rounded down; premium shares re-derived from the remaining drawn shares at the STORED
   * risk premium (no refresh); the borrowing flag cleared when no drawn share is left.
   */
  function repay(uint256 reserveId, uint256 amount, address onBehalfOf) external returns (uint256, uint256) {
    if (msg.sender != onBehalfOf) revert Unauthorized();
    Reserve storage r = _reserve(reserveId);
    AaveV4HubDouble(r.hub).accrue(r.assetId);
    RepayPlan memory plan = _repayPlan(r, _positions[onBehalfOf][reserveId], amount);
    if (plan.paid == 0) revert InvalidAmount();
    PremiumDelta memory delta = _applyRepayPremium(
      _positions[onBehalfOf][reserveId],
      plan,
      _storedRiskPremium[onBehalfOf]
    );
    IAaveV4DoubleToken(r.underlying).transferFrom(msg.sender, r.hub, plan.paid);
    AaveV4HubDouble(r.hub).restore(r.assetId, plan.paid, plan.shares, delta.sharesDelta, delta.offsetRayDelta);
    UserPosition storage p = _positions[onBehalfOf][reserveId];
    p.drawnShares -= uint120(plan.shares);
    if (p.drawnShares == 0) _status[onBehalfOf][reserveId] &= ~STATUS_BORROWING;
    emit Repay(reserveId, msg.sender, onBehalfOf, plan.shares, plan.paid, delta);
    return (plan.shares, plan.paid);
  }

  struct RepayPlan {
    uint256 index;
    uint256 premiumRay;
    uint256 premiumRayPaid;
    /** Drawn shares burnt. */
    uint256 shares;
    /** Tokens pulled: drawn paid + ceil(premium paid). */
    uint256 paid;
  }

  function _repayPlan(
    Reserve storage r,
    UserPosition storage p,
    uint256 amount
  ) internal view returns (RepayPlan memory plan) {
    plan.index = _index(r);
    plan.premiumRay = _premiumDebtRay(p, plan.index);
    uint256 drawn = uint256(p.drawnShares).rayMulUp(plan.index);
    uint256 premium = plan.premiumRay.fromRayUp();
    if (amount >= drawn + premium) {
      plan.premiumRayPaid = plan.premiumRay;
      plan.shares = p.drawnShares;
      plan.paid = drawn + premium;
    } else if (amount <= premium) {
      plan.premiumRayPaid = amount < premium ? amount * RAY : plan.premiumRay;
      plan.paid = amount;
    } else {
      plan.premiumRayPaid = plan.premiumRay;
      plan.shares = (amount - premium).rayDivDown(plan.index);
      plan.paid = amount;
    }
  }

  /** Premium shares from the drawn shares left at the stored premium; the offset keeps the unpaid premium. */
  function _applyRepayPremium(
    UserPosition storage p,
    RepayPlan memory plan,
    uint256 storedRiskPremium
  ) internal returns (PremiumDelta memory delta) {
    delta.restoredPremiumRay = plan.premiumRayPaid;
    uint256 newShares = (uint256(p.drawnShares) - plan.shares).percentMulUp(storedRiskPremium);
    int256 newOffset = int256(newShares * plan.index) - int256(plan.premiumRay - plan.premiumRayPaid);
    delta.sharesDelta = int256(newShares) - int256(uint256(p.premiumShares));
    delta.offsetRayDelta = newOffset - int256(p.premiumOffsetRay);
    p.premiumShares = uint120(newShares);
    p.premiumOffsetRay = int200(newOffset);
  }

  /** Public like V4's: stores the current risk premium and re-derives the premium shares. */
  function updateUserRiskPremium(address user) external {
    _notifyRiskPremiumUpdate(user, _accountData(user).riskPremium);
  }

  // ---- internals

  function _reserve(uint256 reserveId) internal view returns (Reserve storage) {
    if (reserveId >= _reserves.length) revert ReserveNotListed();
    return _reserves[reserveId];
  }

  function _touch(address user, uint256 reserveId) internal {
    if (_touched[user][reserveId]) return;
    _touched[user][reserveId] = true;
    _userReserves[user].push(reserveId);
  }

  /** Rebinds every collateral to its reserve's latest key, checks HF >= 1, stores the risk premium. */
  function _refreshValidateAndNotify(address user) internal {
    uint256[] storage list = _userReserves[user];
    for (uint256 i = 0; i < list.length; i++) {
      uint256 id = list[i];
      if (_status[user][id] & STATUS_COLLATERAL != 0) {
        _positions[user][id].dynamicConfigKey = _reserves[id].dynamicConfigKey;
      }
    }
    UserAccountData memory data = _accountData(user);
    if (data.healthFactor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD) revert HealthFactorBelowThreshold();
    _notifyRiskPremiumUpdate(user, data.riskPremium);
  }

  /**
   * Stores `riskPremium` and, on every borrowed reserve, sets premiumShares =
   * percentMulUp(drawnShares, riskPremium) with the offset reset so the premium debt accrued so
   * far is unchanged; skipped when the old and the new premium are both 0 (Spoke.sol:822-849).
   */
  function _notifyRiskPremiumUpdate(address user, uint256 riskPremium) internal {
    uint256 old = _storedRiskPremium[user];
    if (old == 0 && riskPremium == 0) return;
    _storedRiskPremium[user] = uint24(riskPremium);
    uint256[] storage list = _userReserves[user];
    for (uint256 i = 0; i < list.length; i++) {
      uint256 id = list[i];
      if (_status[user][id] & STATUS_BORROWING == 0) continue;
      Reserve storage r = _reserves[id];
      AaveV4HubDouble hub = AaveV4HubDouble(r.hub);
      hub.accrue(r.assetId);
      uint256 index = hub.getAssetDrawnIndex(r.assetId);
      UserPosition storage p = _positions[user][id];
      int256 premiumRay = int256(uint256(p.premiumShares) * index) - int256(p.premiumOffsetRay);
      uint256 shares = uint256(p.drawnShares).percentMulUp(riskPremium);
      int256 offset = int256(shares * index) - premiumRay;
      hub.refreshPremium(r.assetId, int256(shares) - int256(uint256(p.premiumShares)), offset - int256(p.premiumOffsetRay));
      p.premiumShares = uint120(shares);
      p.premiumOffsetRay = int200(offset);
    }
    emit UpdateUserRiskPremium(user, riskPremium);
  }

  function _premiumDebtRay(UserPosition storage p, uint256 index) internal view returns (uint256) {
    return uint256(int256(uint256(p.premiumShares) * index) - int256(p.premiumOffsetRay));
  }

  function _index(Reserve storage r) internal view returns (uint256) {
    return AaveV4HubDouble(r.hub).getAssetDrawnIndex(r.assetId);
  }

  /** toValue: amount x 10^(18 - decimals) x price (1e26 = 1 USD with an 8-decimal price). */
  function _toValue(uint256 amount, uint8 decimals, uint256 price) internal pure returns (uint256) {
    return amount * 10 ** (18 - decimals) * price;
  }

  struct Accumulator {
    uint256 weighted;
    uint256 totalCollateralValue;
    uint256 totalDebtValueRay;
    uint256 activeCollateralCount;
    uint256 borrowCount;
    uint256 collaterals;
    uint256[] risks;
    uint256[] values;
  }

  /** One reserve's terms of the account data (Spoke._processUserAccountData without refresh). */
  function _visit(Accumulator memory acc, address user, uint256 id) internal view {
    uint8 status = _status[user][id];
    Reserve storage r = _reserves[id];
    UserPosition storage p = _positions[user][id];
    bool collateral = status & STATUS_COLLATERAL != 0 &&
      p.suppliedShares > 0 &&
      _dynamicConfig[id][p.dynamicConfigKey].collateralFactor > 0;
    bool borrowing = status & STATUS_BORROWING != 0;
    if (!collateral && !borrowing) return;
    uint256 price = AaveV4OracleDouble(ORACLE).getReservePrice(id);
    if (collateral) {
      uint256 assets = AaveV4HubDouble(r.hub).previewRemoveByShares(r.assetId, p.suppliedShares);
      uint256 value = _toValue(assets, r.decimals, price);
      acc.totalCollateralValue += value;
      acc.weighted += uint256(_dynamicConfig[id][p.dynamicConfigKey].collateralFactor) * value;
      acc.activeCollateralCount += 1;
      acc.risks[acc.collaterals] = r.collateralRisk;
      acc.values[acc.collaterals] = value;
      acc.collaterals += 1;
    }
    if (borrowing) {
      uint256 index = _index(r);
      uint256 debtRay = uint256(p.drawnShares) * index + _premiumDebtRay(p, index);
      acc.totalDebtValueRay += _toValue(debtRay, r.decimals, price);
      acc.borrowCount += 1;
    }
  }

  /**
   * The current risk premium, BPS: collaterals sorted by risk ascending then value descending
   * cover ceil(totalDebtValueRay / RAY) in turn; ceil(sum(take x risk) / sum(take)); 0 with no
   * debt or no collateral.
   */
  function _riskPremium(Accumulator memory acc) internal pure returns (uint256) {
    uint256 n = acc.collaterals;
    for (uint256 i = 1; i < n; i++) {
      uint256 risk = acc.risks[i];
      uint256 value = acc.values[i];
      uint256 j = i;
      while (j > 0 && (acc.risks[j - 1] > risk || (acc.risks[j - 1] == risk && acc.values[j - 1] < value))) {
        acc.risks[j] = acc.risks[j - 1];
        acc.values[j] = acc.values[j - 1];
        j--;
      }
      acc.risks[j] = risk;
      acc.values[j] = value;
    }
    uint256 totalDebtValue = acc.totalDebtValueRay.fromRayUp();
    uint256 left = totalDebtValue;
    uint256 sum = 0;
    for (uint256 i = 0; i < n && left > 0; i++) {
      uint256 take = acc.values[i] < left ? acc.values[i] : left;
      sum += take * acc.risks[i];
      left -= take;
    }
    uint256 covered = totalDebtValue - left;
    return covered == 0 ? 0 : Math.mulDiv(sum, 1, covered, Math.Rounding.Up);
  }

  function _accountData(address user) internal view returns (UserAccountData memory data) {
    uint256[] storage list = _userReserves[user];
    Accumulator memory acc;
    acc.risks = new uint256[](list.length);
    acc.values = new uint256[](list.length);
    for (uint256 i = 0; i < list.length; i++) _visit(acc, user, list[i]);
    data.totalCollateralValue = acc.totalCollateralValue;
    data.totalDebtValueRay = acc.totalDebtValueRay;
    data.activeCollateralCount = acc.activeCollateralCount;
    data.borrowCount = acc.borrowCount;
    data.healthFactor = acc.totalDebtValueRay == 0
      ? type(uint256).max
      : Math.mulDiv(acc.weighted * 1e14, RAY, acc.totalDebtValueRay);
    data.avgCollateralFactor = acc.totalCollateralValue == 0 ? 0 : (acc.weighted * 1e14) / acc.totalCollateralValue;
    data.riskPremium = _riskPremium(acc);
  }

  // ---- views (ISpoke)

  function getUserAccountData(address user) external view returns (UserAccountData memory) {
    return _accountData(user);
  }

  function getUserLastRiskPremium(address user) external view returns (uint256) {
    return _storedRiskPremium[user];
  }

  function getUserPosition(uint256 reserveId, address user) external view returns (UserPosition memory) {
    return _positions[user][reserveId];
  }

  function getUserReserveStatus(uint256 reserveId, address user) external view returns (bool, bool) {
    uint8 status = _status[user][reserveId];
    return (status & STATUS_COLLATERAL != 0, status & STATUS_BORROWING != 0);
  }

  function getUserSuppliedShares(uint256 reserveId, address user) external view returns (uint256) {
    return _positions[user][reserveId].suppliedShares;
  }

  function getUserSuppliedAssets(uint256 reserveId, address user) external view returns (uint256) {
    Reserve storage r = _reserve(reserveId);
    return AaveV4HubDouble(r.hub).previewRemoveByShares(r.assetId, _positions[user][reserveId].suppliedShares);
  }

  function getUserDebt(uint256 reserveId, address user) public view returns (uint256, uint256) {
    Reserve storage r = _reserve(reserveId);
    UserPosition storage p = _positions[user][reserveId];
    uint256 index = _index(r);
    return (uint256(p.drawnShares).rayMulUp(index), _premiumDebtRay(p, index).fromRayUp());
  }

  function getUserTotalDebt(uint256 reserveId, address user) external view returns (uint256) {
    (uint256 drawn, uint256 premium) = getUserDebt(reserveId, user);
    return drawn + premium;
  }

  function getUserPremiumDebtRay(uint256 reserveId, address user) external view returns (uint256) {
    Reserve storage r = _reserve(reserveId);
    return _premiumDebtRay(_positions[user][reserveId], _index(r));
  }

  function getLiquidationConfig() external view returns (LiquidationConfig memory) {
    return _liquidationConfig;
  }

  function getReserveCount() external view returns (uint256) {
    return _reserves.length;
  }

  function getReserve(uint256 reserveId) external view returns (Reserve memory) {
    return _reserve(reserveId);
  }

  function getDynamicReserveConfig(uint256 reserveId, uint32 dynamicConfigKey) external view returns (DynamicReserveConfig memory) {
    return _dynamicConfig[reserveId][dynamicConfigKey];
  }

  function getReserveId(address hub, uint256 assetId) external view returns (uint256) {
    uint256 plusOne = _reserveIdPlusOne[hub][assetId];
    if (plusOne == 0) revert ReserveNotListed();
    return plusOne - 1;
  }
}
