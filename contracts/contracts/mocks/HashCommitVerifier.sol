// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";

/// @title HashCommitVerifier
/// @notice TEST ONLY. Accepts a "proof" that is `abi.encode(keccak256(abi.encode(inputHash, output)))`.
/// @dev WARNING: this proves nothing about the model: anyone can compute the commitment for any output. It
/// exists so that market tests can tell a well-formed result from a tampered one (changing the output or the
/// input hash breaks the commitment) without running a SNARK. Never register it for a real model.
contract HashCommitVerifier is IInferenceVerifier {
    /// @inheritdoc IInferenceVerifier
    function verifyInference(uint256 inputHash, uint256[] calldata output, bytes calldata proof)
        external
        pure
        returns (bool)
    {
        if (proof.length != 32) return false;
        return bytes32(proof) == keccak256(abi.encode(inputHash, output));
    }

    /// @inheritdoc IInferenceVerifier
    /// @dev No key: a fixed tag stands for it.
    function verifyingKeyHash() external pure returns (bytes32) {
        return keccak256("sovra.test.hash-commit-verifier");
    }

    /// @notice The proof this verifier accepts for (`inputHash`, `output`).
    function proofFor(uint256 inputHash, uint256[] calldata output) external pure returns (bytes memory) {
        return abi.encode(keccak256(abi.encode(inputHash, output)));
    }
}
