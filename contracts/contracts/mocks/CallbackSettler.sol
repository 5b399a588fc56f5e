// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/// @title CallbackSettler
/// @notice TEST ONLY. A buyer that is also a provider: from the callback of a job it bought, it makes one stored
/// call (settling a job it sells), to show what the optimistic tier's verification flag allows in that window.
contract CallbackSettler is IInferenceConsumer {
    address private _target;
    bytes private _call;
    /// @notice Whether the call made from the last callback succeeded.
    bool public succeeded;
    /// @notice How many callbacks it received.
    uint256 public callbacks;

    /// @notice Makes any call as this contract (the test registers, stakes, asks and bids through it).
    function exec(address target, bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /// @notice The call to make from the next result callback.
    function setCallbackCall(address target, bytes calldata data) external {
        (_target, _call) = (target, data);
    }

    /// @notice Makes the stored call and records whether it succeeded.
    function onInferenceResult(uint256, uint256[] calldata) external {
        callbacks += 1;
        (succeeded,) = _target.call(_call);
    }

    /// @notice Nothing to do on expiry.
    function onInferenceExpired(uint256) external {
        callbacks += 1;
    }
}
