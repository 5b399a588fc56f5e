// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestStablecoin
/// @notice Test USD (tUSD), a 6-decimal payment token for LOCAL AND TEST CHAINS ONLY.
/// Anyone may call `faucet()` to receive `FAUCET_AMOUNT` once per `FAUCET_COOLDOWN`.
/// @dev WARNING: this token has no value and an unlimited supply by design. Real deployments of the market
/// must pass a real stablecoin as the payment token and must never deploy this contract.
contract TestStablecoin is ERC20, ERC20Permit {
    /// @notice Amount minted per faucet call: 1,000 tUSD.
    uint256 public constant FAUCET_AMOUNT = 1_000 * 10 ** 6;
    /// @notice Minimum time between two faucet calls by the same address.
    uint256 public constant FAUCET_COOLDOWN = 1 hours;

    mapping(address account => uint256 timestamp) private _lastFaucet;

    /// @notice Emitted when `account` receives `amount` from the faucet.
    event FaucetUsed(address indexed account, uint256 amount);

    /// @notice The caller used the faucet less than `FAUCET_COOLDOWN` ago; it may call again at `availableAt`.
    error FaucetCooldown(address account, uint256 availableAt);

    constructor() ERC20("Test USD", "tUSD") ERC20Permit("Test USD") {}

    /// @notice 6 decimals, like the common USD stablecoins.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `FAUCET_AMOUNT` to the caller, at most once per `FAUCET_COOLDOWN` per address.
    function faucet() external {
        uint256 last = _lastFaucet[msg.sender];
        if (last != 0 && block.timestamp < last + FAUCET_COOLDOWN) {
            revert FaucetCooldown(msg.sender, last + FAUCET_COOLDOWN);
        }
        _lastFaucet[msg.sender] = block.timestamp;
        emit FaucetUsed(msg.sender, FAUCET_AMOUNT);
        _mint(msg.sender, FAUCET_AMOUNT);
    }

    /// @notice When `account` may next call `faucet()` (0 when it never used it).
    function faucetAvailableAt(address account) external view returns (uint256) {
        uint256 last = _lastFaucet[account];
        return last == 0 ? 0 : last + FAUCET_COOLDOWN;
    }
}
