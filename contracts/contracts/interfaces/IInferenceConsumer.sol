// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title IInferenceConsumer
/// @notice Implemented by contracts that buy inference on the market with `callback = true`.
/// The market calls back with the job's gas cap (its `callbackGasLimit`, fixed at match) once the job settles; a reverting or gas-hungry callback
/// never blocks settlement (the market records the failure in an event and moves on).
interface IInferenceConsumer {
    /// @notice Called when the job's proof has verified and the provider has been paid.
    /// @param jobId The market's job id, as returned by `placeBid`.
    /// @param output The verified packed output.
    function onInferenceResult(uint256 jobId, uint256[] calldata output) external;

    /// @notice Called when the job expired unfulfilled (by whoever calls `expire`, who pays for it); the escrow is
    /// refundable through `withdraw`. A job the provider declined, or that was voided, gets no callback: read
    /// `ISpotMarket.jobStatus`.
    function onInferenceExpired(uint256 jobId) external;
}
