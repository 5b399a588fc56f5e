// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title IInferenceVerifier
/// @notice Checks that a proof shows `output = model(input)` for one registered model, where the input is
/// known only by its Poseidon hash. One verifier is deployed per model: the model's weights are constants of
/// its circuit, so a verifier is bound to exactly one set of weights.
interface IInferenceVerifier {
    /// @notice Returns true when `proof` is valid for the public signals (`output`, `inputHash`).
    /// @param inputHash Poseidon hash of the packed input, as the bid committed to it.
    /// @param output The packed output (see the model's io spec), as public signals.
    /// @param proof The ABI-encoded proof in the verifier's own format.
    function verifyInference(uint256 inputHash, uint256[] calldata output, bytes calldata proof)
        external
        view
        returns (bool);

    /// @notice Hash of the verifying key this verifier checks proofs against, computed from the constants its
    /// pairing check uses: keccak256 of the key's coordinates as uint256 words (the circuits package's `vkeyHash`
    /// computes the same from a `vkey.json`). The model registry records it at registration.
    function verifyingKeyHash() external view returns (bytes32);
}
