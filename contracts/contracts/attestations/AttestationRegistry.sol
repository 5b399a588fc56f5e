// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";

/// @title AttestationRegistry
/// @notice Policy as code. Governance lists the attesters it trusts for each claim and defines policy classes
/// (up to `MAX_CLAIMS_PER_CLASS` required claims each). Trusted attesters attest that a provider satisfies a
/// claim until an expiry, directly or through a relayer with an EIP-712 signature. An attestation counts only
/// while its attester is still trusted for the claim, it has not expired and it has not been revoked.
///
/// Class 0 exists from deployment with no claims and can never be redefined: every provider is eligible for
/// it, always (markets may cache that). Any other class must be defined by governance first; a provider is
/// never eligible for an undefined class.
///
/// WARNING: a provider holds at most one attestation per claim. A new attestation for the same (provider,
/// claim), by any trusted attester, replaces the previous one, whatever its expiry. Distrusting an attester
/// invalidates its attestations at once but does not delete them: trusting it again revives those not expired.
contract AttestationRegistry is IAttestationRegistry, AccessManaged, EIP712, Nonces {
    /// @notice Maximum number of claims in one policy class (bounds `isEligible`'s loop).
    uint256 public constant MAX_CLAIMS_PER_CLASS = 8;
    /// @notice Longest lifetime an attestation may be given, counted from the moment it is recorded.
    uint64 public constant MAX_ATTESTATION_DURATION = 400 days;
    /// @notice EIP-712 type hash of a signed attestation.
    bytes32 public constant ATTEST_TYPEHASH = keccak256(
        "Attest(address provider,bytes32 claim,uint64 expiresAt,address attester,uint256 nonce,uint256 deadline)"
    );

    mapping(bytes32 claim => mapping(address attester => bool)) private _trusted;
    mapping(uint32 classId => bytes32[]) private _classClaims;
    mapping(uint32 classId => bool) private _classDefined;
    mapping(address provider => mapping(bytes32 claim => Attestation)) private _attestations;

    /// @notice Governance trusted or distrusted `attester` for `claim`.
    event AttesterTrustSet(bytes32 indexed claim, address indexed attester, bool trusted);
    /// @notice Governance (re)defined policy class `classId` as requiring all of `claims`.
    event PolicyClassSet(uint32 indexed classId, bytes32[] claims);
    /// @notice `attester` attested that `provider` satisfies `claim` until `expiresAt`.
    event Attested(address indexed provider, bytes32 indexed claim, address indexed attester, uint64 expiresAt);
    /// @notice The attestation of `claim` for `provider` issued by `attester` was revoked by `revokedBy`.
    event AttestationRevoked(address indexed provider, bytes32 indexed claim, address indexed attester, address revokedBy);

    /// @notice The claim is the zero value.
    error ZeroClaim();
    /// @notice An address that must be set is the zero address.
    error ZeroAddress();
    /// @notice A policy class lists `count` claims, more than `MAX_CLAIMS_PER_CLASS`.
    error TooManyClaims(uint256 count);
    /// @notice A policy class lists `claim` twice.
    error DuplicateClaim(bytes32 claim);
    /// @notice `attester` is not trusted for `claim`.
    error UntrustedAttester(bytes32 claim, address attester);
    /// @notice The expiry is not in the future.
    error ExpiryNotInFuture(uint64 expiresAt);
    /// @notice The expiry is further than `MAX_ATTESTATION_DURATION` from now.
    error ExpiryTooFar(uint64 expiresAt, uint64 latest);
    /// @notice The signed attestation's deadline has passed.
    error SignatureExpired(uint256 deadline);
    /// @notice The signature does not come from the named attester (or uses a stale nonce).
    error InvalidSignature();
    /// @notice `provider` has no attestation for `claim`.
    error NoAttestation(address provider, bytes32 claim);
    /// @notice Only the attester who issued the attestation (or governance) may revoke it.
    error NotAttestationIssuer(address caller, address attester);
    /// @notice Policy class 0 is open to every provider for good and cannot be redefined.
    error OpenClassImmutable();

    /// @param authority The AccessManager holding this registry's roles.
    constructor(address authority) AccessManaged(authority) EIP712("Sovra Attestations", "1") {
        _classDefined[0] = true;
        emit PolicyClassSet(0, new bytes32[](0));
    }

    // ----------------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------------

    /// @notice Trusts or distrusts `attester` for `claim`; takes effect at once on existing attestations.
    /// @dev Restricted (governance).
    function setAttesterTrusted(bytes32 claim, address attester, bool trusted) external restricted {
        if (claim == bytes32(0)) revert ZeroClaim();
        if (attester == address(0)) revert ZeroAddress();
        _trusted[claim][attester] = trusted;
        emit AttesterTrustSet(claim, attester, trusted);
    }

    /// @notice Defines (or redefines) policy class `classId` (not 0) as the set `claims` (distinct, nonzero, at
    /// most `MAX_CLAIMS_PER_CLASS`). An empty set makes the class open to every provider.
    /// @dev Restricted (governance). Markets already using the class see the new set at once for eligibility
    /// checks; a spot market's cached "open" flag is re-read by its `syncPolicy`, which the redefining proposal
    /// should call. Class 0 is fixed (`OpenClassImmutable`), so that flag never goes stale for it.
    function setPolicyClass(uint32 classId, bytes32[] calldata claims) external restricted {
        if (classId == 0) revert OpenClassImmutable();
        uint256 n = claims.length;
        if (n > MAX_CLAIMS_PER_CLASS) revert TooManyClaims(n);
        for (uint256 i; i < n; ++i) {
            bytes32 c = claims[i];
            if (c == bytes32(0)) revert ZeroClaim();
            for (uint256 j; j < i; ++j) {
                if (claims[j] == c) revert DuplicateClaim(c);
            }
        }
        _classClaims[classId] = claims;
        _classDefined[classId] = true;
        emit PolicyClassSet(classId, claims);
    }

    /// @notice Deletes the attestation of `claim` for `provider`, whoever issued it.
    /// @dev Restricted (governance).
    function revokeByGovernance(address provider, bytes32 claim) external restricted {
        address attester = _attestations[provider][claim].attester;
        if (attester == address(0)) revert NoAttestation(provider, claim);
        _revoke(provider, claim, attester);
    }

    // ----------------------------------------------------------------------------------------------------
    // Attesters
    // ----------------------------------------------------------------------------------------------------

    /// @notice The caller, a trusted attester for `claim`, attests that `provider` satisfies it until
    /// `expiresAt` (in the future, at most `MAX_ATTESTATION_DURATION` away). Replaces any previous
    /// attestation of `claim` for `provider`.
    function attest(address provider, bytes32 claim, uint64 expiresAt) external {
        _attest(provider, claim, expiresAt, msg.sender);
    }

    /// @notice Records an attestation that `attester` signed (EIP-712 `Attest`, with its current nonce), so that
    /// anyone may relay it. ERC-1271 contract attesters are supported.
    /// @param deadline Last timestamp at which the signature may be used.
    /// @param signature The attester's signature over the typed data.
    function attestBySig(
        address provider,
        bytes32 claim,
        uint64 expiresAt,
        address attester,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        bytes32 structHash =
            keccak256(abi.encode(ATTEST_TYPEHASH, provider, claim, expiresAt, attester, _useNonce(attester), deadline));
        if (!SignatureChecker.isValidSignatureNow(attester, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature();
        }
        _attest(provider, claim, expiresAt, attester);
    }

    /// @notice Deletes the caller's attestation of `claim` for `provider`.
    function revoke(address provider, bytes32 claim) external {
        address attester = _attestations[provider][claim].attester;
        if (attester == address(0)) revert NoAttestation(provider, claim);
        if (attester != msg.sender) revert NotAttestationIssuer(msg.sender, attester);
        _revoke(provider, claim, attester);
    }

    // ----------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------

    /// @notice Whether `attester` is trusted for `claim`.
    function isTrustedAttester(bytes32 claim, address attester) external view returns (bool) {
        return _trusted[claim][attester];
    }

    /// @notice Whether `provider` holds an unexpired attestation of `claim` from a currently trusted attester.
    function hasValidAttestation(address provider, bytes32 claim) public view returns (bool) {
        Attestation storage a = _attestations[provider][claim];
        return a.attester != address(0) && a.expiresAt > block.timestamp && _trusted[claim][a.attester];
    }

    /// @notice Whether `provider` satisfies every claim of policy class `classId` (false for undefined classes).
    function isEligible(address provider, uint32 classId) external view returns (bool) {
        if (!_classDefined[classId]) return false;
        bytes32[] storage claims = _classClaims[classId];
        uint256 n = claims.length;
        for (uint256 i; i < n; ++i) {
            if (!hasValidAttestation(provider, claims[i])) return false;
        }
        return true;
    }

    /// @notice The claims policy class `classId` requires (empty for class 0 and for undefined classes).
    function claimsOf(uint32 classId) external view returns (bytes32[] memory) {
        return _classClaims[classId];
    }

    /// @notice Whether policy class `classId` has been defined (class 0 always is).
    function isPolicyClassDefined(uint32 classId) external view returns (bool) {
        return _classDefined[classId];
    }

    /// @notice The stored attestation of `claim` for `provider`, valid or not (zero when none).
    function attestationOf(address provider, bytes32 claim) external view returns (Attestation memory) {
        return _attestations[provider][claim];
    }

    /// @notice The EIP-712 domain separator used by `attestBySig`.
    function DOMAIN_SEPARATOR() external view returns (bytes32) { // solhint-disable-line func-name-mixedcase
        return _domainSeparatorV4();
    }

    // ----------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------

    function _attest(address provider, bytes32 claim, uint64 expiresAt, address attester) private {
        if (provider == address(0)) revert ZeroAddress();
        if (!_trusted[claim][attester]) revert UntrustedAttester(claim, attester);
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt);
        uint64 latest = uint64(block.timestamp) + MAX_ATTESTATION_DURATION;
        if (expiresAt > latest) revert ExpiryTooFar(expiresAt, latest);
        _attestations[provider][claim] = Attestation({attester: attester, expiresAt: expiresAt});
        emit Attested(provider, claim, attester, expiresAt);
    }

    function _revoke(address provider, bytes32 claim, address attester) private {
        delete _attestations[provider][claim];
        emit AttestationRevoked(provider, claim, attester, msg.sender);
    }
}
