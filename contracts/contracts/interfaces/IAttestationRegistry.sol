// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title IAttestationRegistry
/// @notice Policy as code. Governance lists which attesters it trusts for each claim (e.g. keccak256("GDPR"),
/// keccak256("SOC2"), keccak256("TEE")) and defines policy classes as small sets of required claims. An
/// attestation names a provider, a claim and an expiry; it counts only while its attester is still trusted for
/// that claim, it has not expired and it has not been revoked.
interface IAttestationRegistry {
    struct Attestation {
        address attester;
        uint64 expiresAt;
    }

    /// @notice Trusts or distrusts `attester` for `claim` (governance).
    function setAttesterTrusted(bytes32 claim, address attester, bool trusted) external;
    /// @notice Defines (or redefines) policy class `classId` as the set `claims` (governance).
    function setPolicyClass(uint32 classId, bytes32[] calldata claims) external;

    /// @notice The caller, a trusted attester for `claim`, attests that `provider` satisfies it until `expiresAt`.
    function attest(address provider, bytes32 claim, uint64 expiresAt) external;
    /// @notice Deletes the caller's attestation of `claim` for `provider`.
    function revoke(address provider, bytes32 claim) external;

    /// @notice Whether `attester` is trusted for `claim`.
    function isTrustedAttester(bytes32 claim, address attester) external view returns (bool);
    /// @notice Whether `provider` holds an unexpired attestation of `claim` from a currently trusted attester.
    function hasValidAttestation(address provider, bytes32 claim) external view returns (bool);
    /// @notice Whether `provider` satisfies every claim of policy class `classId`.
    function isEligible(address provider, uint32 classId) external view returns (bool);
    /// @notice The claims policy class `classId` requires.
    function claimsOf(uint32 classId) external view returns (bytes32[] memory);
}
