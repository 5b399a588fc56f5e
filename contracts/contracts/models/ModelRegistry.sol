// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice The models the market can trade. A model id names one set of weights (its CID), the verifier whose
/// circuit has those weights as constants, the input/output spec and the minimum VRAM a provider needs.
/// Governance registers models (once per id: a registered model's weights and verifier never change) and
/// approves or withdraws approval; only approved models can get markets.
contract ModelRegistry is IModelRegistry, AccessManaged {
    /// @notice Maximum byte length of a weights CID.
    uint256 public constant MAX_CID_LENGTH = 128;
    /// @notice Maximum byte length of an io spec.
    uint256 public constant MAX_IO_SPEC_LENGTH = 2048;

    mapping(bytes32 modelId => Model) private _models;

    /// @notice Governance registered `modelId` (not yet approved).
    event ModelRegistered(
        bytes32 indexed modelId, IInferenceVerifier indexed verifier, string weightsCid, string ioSpec, uint32 minVramMb
    );
    /// @notice Governance approved `modelId` or withdrew its approval.
    event ModelApprovalSet(bytes32 indexed modelId, bool approved);

    /// @notice The model id is zero.
    error ZeroModelId();
    /// @notice The verifier is the zero address.
    error ZeroVerifier();
    /// @notice The weights CID is empty.
    error EmptyWeightsCid();
    /// @notice The weights CID is longer than `MAX_CID_LENGTH` bytes.
    error WeightsCidTooLong(uint256 length);
    /// @notice The io spec is longer than `MAX_IO_SPEC_LENGTH` bytes.
    error IoSpecTooLong(uint256 length);
    /// @notice `modelId` is already registered.
    error ModelAlreadyRegistered(bytes32 modelId);
    /// @notice `modelId` is not registered.
    error UnknownModel(bytes32 modelId);

    /// @param authority The AccessManager holding this registry's roles.
    constructor(address authority) AccessManaged(authority) {}

    /// @notice Registers model `modelId`, unapproved. Ids are unique and registrations immutable.
    /// @dev Restricted (governance).
    /// @param weightsCid CIDv1 of the weights (non-empty, at most `MAX_CID_LENGTH` bytes).
    /// @param verifier The verifier bound to these weights (nonzero).
    /// @param ioSpec Input/output spec (at most `MAX_IO_SPEC_LENGTH` bytes).
    /// @param minVramMb Minimum VRAM a provider must declare to serve the model.
    function registerModel(
        bytes32 modelId,
        string calldata weightsCid,
        IInferenceVerifier verifier,
        string calldata ioSpec,
        uint32 minVramMb
    ) external restricted {
        if (modelId == bytes32(0)) revert ZeroModelId();
        if (address(verifier) == address(0)) revert ZeroVerifier();
        uint256 cidLength = bytes(weightsCid).length;
        if (cidLength == 0) revert EmptyWeightsCid();
        if (cidLength > MAX_CID_LENGTH) revert WeightsCidTooLong(cidLength);
        if (bytes(ioSpec).length > MAX_IO_SPEC_LENGTH) revert IoSpecTooLong(bytes(ioSpec).length);
        if (address(_models[modelId].verifier) != address(0)) revert ModelAlreadyRegistered(modelId);
        _models[modelId] =
            Model({verifier: verifier, minVramMb: minVramMb, approved: false, weightsCid: weightsCid, ioSpec: ioSpec});
        emit ModelRegistered(modelId, verifier, weightsCid, ioSpec, minVramMb);
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

    /// @notice Whether `modelId` is registered.
    function isRegistered(bytes32 modelId) external view returns (bool) {
        return address(_models[modelId].verifier) != address(0);
    }
}
