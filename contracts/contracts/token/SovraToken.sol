// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title SovraToken
/// @notice The Sovra governance token (SOV): providers stake it as collateral and holders vote with it.
/// The whole supply is minted once, at deployment, to `recipient`; the contract has no owner and no mint
/// or burn entry point, so the supply can never change.
/// @dev Voting power follows delegation (ERC20Votes): a holder must delegate, possibly to itself, before its
/// balance counts in governance. Checkpoints use block numbers (the OpenZeppelin default clock).
contract SovraToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice The recipient of the initial supply is the zero address.
    error SovraTokenZeroRecipient();

    /// @param recipient Receives the whole fixed supply.
    /// @param supply The fixed total supply, in wei units (18 decimals).
    constructor(address recipient, uint256 supply) ERC20("Sovra", "SOV") ERC20Permit("Sovra") {
        if (recipient == address(0)) revert SovraTokenZeroRecipient();
        _mint(recipient, supply);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
