// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice TEST ONLY. A payment token that, once armed, calls back into a target (the market) from inside
/// every transfer, to show that the market's entry points cannot be re-entered mid-operation.
/// @dev The re-entrant call's outcome is recorded rather than bubbled up, so a test can see both that the
/// outer operation finished and that the inner call was refused.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;
    bool public attempted;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the attack: the next transfer calls `target` with `data`.
    function arm(address target_, bytes calldata data) external {
        target = target_;
        payload = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = target;
        if (t != address(0)) {
            target = address(0);
            attempted = true;
            (bool ok, bytes memory err) = t.call(payload);
            reentrySucceeded = ok;
            reentryError = err;
        }
    }
}
