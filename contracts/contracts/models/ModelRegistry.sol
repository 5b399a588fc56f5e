// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice The models the market can trade. A model id names one set of weights (the multihash of their CID),
/// the verifier whose circuit has those weights as constants, the hash of that verifier's verifying key, the
/// input/output spec and the minimum VRAM a provider needs. Governance registers models (once per id: a
/// registered model's weights and verifier never change) and approves or withdraws approval; only approved
/// models can get markets.
/// @dev Binding: anyone can rebuild the circuit from the weights the multihash names (`sovra-model rebuild`), hash
/// the verifying key it yields and compare it with `vkeyHash`; registration checks that the verifier reports that
/// same key hash, so a proposal cannot name one key and register a verifier of another.
contract ModelRegistry is IModelRegistry, AccessManaged {
    /// @notice Shortest accepted digest in a weights multihash (bytes).
    uint256 public constant MIN_DIGEST_LENGTH = 20;
    /// @notice Longest accepted digest in a weights multihash (bytes).
    uint256 public constant MAX_DIGEST_LENGTH = 64;
    /// @notice Maximum byte length of an io spec.
    uint256 public constant MAX_IO_SPEC_LENGTH = 2048;
    /// @notice Key hash an optimistic tier's settlement contract reports (`OptimisticSettlement.TIER_TAG`).
    bytes32 public constant OPTIMISTIC_TIER_TAG = keccak256("sovra.optimistic.v1");
    /// @notice Key hash reserved for a TEE tier's settlement contract.
    bytes32 public constant TEE_TIER_TAG = keccak256("sovra.tee.v1");

    mapping(bytes32 modelId => Model) private _models;

    /// @notice Governance registered `modelId` (not yet approved).
    event ModelRegistered(
        bytes32 indexed modelId,
        IInferenceVerifier indexed verifier,
        bytes weightsMultihash,
        bytes32 vkeyHash,
        string ioSpec,
        uint32 minVramMb
    );
    /// @notice Governance approved `modelId` or withdrew its approval.
    event ModelApprovalSet(bytes32 indexed modelId, bool approved);

    /// @notice The model id is zero.
    error ZeroModelId();
    /// @notice The verifier is the zero address.
    error ZeroVerifier();
    /// @notice `weightsMultihash` is not a multihash: a one-byte hash code, a one-byte digest length between
    /// `MIN_DIGEST_LENGTH` and `MAX_DIGEST_LENGTH`, then exactly that many digest bytes.
    error InvalidWeightsMultihash(bytes weightsMultihash);
    /// @notice The verifier reports another verifying key than the registration names (or none).
    error VerifyingKeyMismatch(bytes32 expected, bytes32 reported);
    /// @notice The io spec is longer than `MAX_IO_SPEC_LENGTH` bytes.
    error IoSpecTooLong(uint256 length);
    /// @notice `modelId` is already registered.
    error ModelAlreadyRegistered(bytes32 modelId);
    /// @notice `modelId` is not registered.
    error UnknownModel(bytes32 modelId);

    /// @param authority The AccessManager holding this registry's roles.
    constructor(address authority) AccessManaged(authority) {}

    /// @notice Registers model `modelId`, unapproved. Ids are unique and registrations immutable.
    /// @dev Restricted (governance). Reads `verifier.verifyingKeyHash()`, which must equal `vkeyHash`.
    /// @param weightsMultihash Multihash of the weights' CID (sha2-256: `0x1220` + the 32-byte digest).
    /// @param vkeyHash keccak256 of the verifying key the verifier checks against (see `IInferenceVerifier`).
    /// @param verifier The verifier bound to these weights (nonzero).
    /// @param ioSpec Input/output spec (at most `MAX_IO_SPEC_LENGTH` bytes).
    /// @param minVramMb Minimum VRAM a provider must declare to serve the model.
    function registerModel(
        bytes32 modelId,
        bytes calldata weightsMultihash,
        bytes32 vkeyHash,
        IInferenceVerifier verifier,
        string calldata ioSpec,
        uint32 minVramMb
    ) external restricted {
        if (modelId == bytes32(0)) revert ZeroModelId();
        if (address(verifier) == address(0)) revert ZeroVerifier();
        if (!_isMultihash(weightsMultihash)) revert InvalidWeightsMultihash(weightsMultihash);
        if (bytes(ioSpec).length > MAX_IO_SPEC_LENGTH) revert IoSpecTooLong(bytes(ioSpec).length);
        if (address(_models[modelId].verifier) != address(0)) revert ModelAlreadyRegistered(modelId);
        bytes32 reported = _reportedKeyHash(verifier);
        if (reported != vkeyHash || vkeyHash == bytes32(0)) revert VerifyingKeyMismatch(vkeyHash, reported);
        _models[modelId] = Model({
            verifier: verifier,
            minVramMb: minVramMb,
            approved: false,
            vkeyHash: vkeyHash,
            weightsMultihash: weightsMultihash,
            ioSpec: ioSpec
        });
        emit ModelRegistered(modelId, verifier, weightsMultihash, vkeyHash, ioSpec, minVramMb);
    }

    /// @notice Approves `modelId` for trading, or withdraws its approval.
    /// @dev Restricted (governance). Existing markets for the model decide themselves what withdrawal means.
    function setModelApproved(bytes32 modelId, bool approved) external restricted {
        Model storage m = _models[modelId];
        if (address(m.verifier) == address(0)) revert UnknownModel(modelId);
        m.approved = approved;
        emit ModelApprovalSet(modelId, approved);
    }

    /// @notice Model `modelId` (all fields zero when not registered).
    function modelOf(bytes32 modelId) external view returns (Model memory) {
        return _models[modelId];
    }

    /// @notice Whether `modelId` is registered and approved.
    function isApproved(bytes32 modelId) external view returns (bool) {
        return _models[modelId].approved;
    }

    /// @inheritdoc IModelRegistry
    /// @dev Derived from the registered key hash, so it can never disagree with the verifier: a Groth16 key's hash
    /// cannot equal a tier tag without a keccak preimage.
    function tierOf(bytes32 modelId) external view returns (Tier) {
        bytes32 keyHash = _models[modelId].vkeyHash;
        if (keyHash == 0) return Tier.None;
        if (keyHash == OPTIMISTIC_TIER_TAG) return Tier.Optimistic;
        if (keyHash == TEE_TIER_TAG) return Tier.Tee;
        return Tier.Zk;
    }

    /// @notice Whether `modelId` is registered.
    function isRegistered(bytes32 modelId) external view returns (bool) {
        return address(_models[modelId].verifier) != address(0);
    }

    /// @dev A one-byte hash code (varint < 0x80), a one-byte digest length in bounds, then the digest: the forms
    /// of sha2-256, sha2-512, sha3 and keccak multihashes. Longer varint codes are not needed by any weights CID.
    function _isMultihash(bytes calldata mh) private pure returns (bool) {
        if (mh.length < 2 + MIN_DIGEST_LENGTH || uint8(mh[0]) >= 0x80) return false;
        uint256 digestLength = uint8(mh[1]);
        return digestLength <= MAX_DIGEST_LENGTH && mh.length == 2 + digestLength;
    }

    /// @dev The verifier's key hash, or zero when it has none to report (not a contract, reverts, bad return). A
    /// low-level call: `try` would not catch the empty return of an address without code.
    function _reportedKeyHash(IInferenceVerifier verifier) private view returns (bytes32 h) {
        (bool ok, bytes memory ret) = address(verifier).staticcall(abi.encodeCall(IInferenceVerifier.verifyingKeyHash, ()));
        if (ok && ret.length == 32) h = abi.decode(ret, (bytes32));
    }
}
