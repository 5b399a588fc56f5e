// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IOptimisticSettlement} from "../interfaces/IOptimisticSettlement.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {ISpotMarket} from "../interfaces/ISpotMarket.sol";

/// @title ISpotMarketContext
/// @notice The SpotMarket views this contract needs besides `ISpotMarket`.
interface ISpotMarketContext {
    /// @notice The provider registry (auditors must be registered providers).
    function registry() external view returns (IProviderRegistry);
    /// @notice The model registry (auditors bond for models this contract verifies).
    function models() external view returns (IModelRegistry);
    /// @notice Receives penalties and the unshared rest of lost challenge bonds.
    function treasury() external view returns (address);
}

/// @title OptimisticSettlement
/// @notice The verifier of one optimistic-tier model (one instance per model, like a zk model's verifier) on one
/// SpotMarket. A provider `commit`s a matched job's
/// output; the output is final once its challenge window passed with no audit or dispute pending and none lost;
/// then anyone calls `finalize`, which settles the job through `SpotMarket.submitResult` (the market pays the
/// provider named in the job's terms). The market's escrow, collateral, expiry and slashing are unchanged: a
/// result that is never final simply never settles, and the job expires at its deadline (refund + slash).
///
/// Audits: a commit is audited with probability `auditBps / 10^4`, drawn from the hash of the block after the
/// commit (it did not exist when the provider chose its output). Its producer can withhold that block to re-roll
/// once, at the cost of its block reward; an L2 sequencer can choose it freely: override `_randomness` with a VRF
/// there. A hash older than 256 blocks is gone, and then the job counts as audited, so waiting never escapes an
/// audit. The auditor is drawn stake-weighted from the auditors bonded for the job's model, never the provider.
///
/// Disputes: a drawn auditor that disagrees, or anyone who deposits `challengeBond` before `finalAt`, opens a
/// dispute; a committee of `committeeSize` auditors (never the provider, the challenger nor the auditor) is drawn
/// from the hash of the block after the opening and votes by commit-reveal; a strict majority of the revealed votes
/// decides when more than half of the committee revealed, otherwise the provider's result stands.
///
/// `verifyInference` answers true only inside `finalize` for the job being finalized (a transient flag), its input
/// hash and its output, so a committed result is bound to its job (see `verifyInference` for the one exception).
///
/// `multicall` (OpenZeppelin) batches calls in one transaction: a provider node folds the `finalize` of its jobs
/// that became final into its next `commit`, which saves a transaction's base cost per job.
contract OptimisticSettlement is
    IOptimisticSettlement,
    IInferenceVerifier,
    AccessManaged,
    ReentrancyGuardTransient,
    Multicall
{
    using SafeERC20 for IERC20;

    /// @notice What `verifyingKeyHash` reports: the model registry reads a model's tier from it.
    bytes32 public constant TIER_TAG = keccak256("sovra.optimistic.v1");
    /// @notice Most words a committed output may have (large outputs commit `[hash]` of their bytes).
    uint256 public constant MAX_OUTPUT_WORDS = 64;
    /// @notice Most auditors one model's draw tree holds (a power of two: the draw walks log2 of it).
    uint256 public constant MAX_AUDITORS = 1024;
    /// @notice Largest committee (bounds the loops of a dispute).
    uint8 public constant MAX_COMMITTEE = 15;
    uint256 private constant BPS = 10_000;
    uint256 private constant HAS_CASE = 1;
    /// @dev ABI sizes of the static structs `Commitment` (nine words) and `JobTerms` (ten words).
    uint256 private constant COMMITMENT_SIZE = 0x120;
    uint256 private constant TERMS_SIZE = 0x140;
    /// @dev Transient slots: the job id `finalize` is settling (keccak256("sovra.optimistic.finalizing") - 1) and
    /// keccak256(its input hash, its output hash) (the next slot).
    bytes32 private constant FINALIZING_SLOT = 0x7a38e44c86b33f19a5047b3624cd4546881630b9431841ba9d3083f0c1e69b8c;
    bytes32 private constant EXPECTED_SLOT = 0x7a38e44c86b33f19a5047b3624cd4546881630b9431841ba9d3083f0c1e69b8d;

    /// @dev A job's audit and dispute; slot 0 is what `finalize` reads on the common path.
    struct Case {
        // slot 0
        AuditState auditState;
        DisputeState disputeState;
        address auditor;
        uint40 auditCommitBy;
        uint40 auditRevealBy;
        // slot 1
        address challenger;
        uint40 voteCommitBy;
        uint40 voteRevealBy;
        uint8 votesUpheld;
        uint8 votesOverturned;
        // slot 2
        uint96 bond;
        uint64 drawBlock; // the committee (or a deferred audit) is drawn from the hash of the block after it
        uint32 epoch;
        // slot 3..
        address provider;
        bytes32 modelId;
        bytes32 auditVote;
        bytes32 challengerOutputHash;
        address[] committee;
        /// 0: not a member; else keccak of the committed vote (1 when seated and not committed yet)
        mapping(address voter => bytes32) votes;
        mapping(address voter => bool) revealedUpheld;
        mapping(address voter => bool) revealed;
    }

    struct Auditor {
        uint96 bond;
        uint16 index;
        uint32 duties;
        bool exited;
    }

    /// @dev One model's auditors: a Fenwick tree over their bonds (index 1..MAX_AUDITORS) for stake-weighted draws.
    struct Pool {
        uint256 total;
        uint16 used;
        uint16[] free;
        uint256[MAX_AUDITORS + 1] tree;
        address[MAX_AUDITORS + 1] memberAt;
    }

    /// @dev What a commit reads: the current parameters version and the values that bound the commit time.
    struct Live {
        uint32 epoch;
        uint32 challengeWindow;
        uint32 disputeTime;
        uint16 auditBps;
    }

    /// @notice The spot market whose optimistic models this contract verifies.
    ISpotMarket public immutable market;
    /// @notice The market's payment token: challenge bonds and rewards.
    IERC20 public immutable paymentToken;
    /// @notice The governance token: auditor bonds.
    IERC20 public immutable bondToken;
    IProviderRegistry private immutable _providers;
    IModelRegistry private immutable _models;

    Live private _live;
    /// @notice Payment tokens available for auditor and challenger rewards (funded by the DAO).
    uint256 public rewardPool;
    mapping(uint32 epoch => Params) private _paramsAt;
    /// @dev A committed, not yet finalized job's seal: keccak256(abi.encode(Commitment)) with bit 0 replaced by
    /// `HAS_CASE` (its audit was drawn or a dispute opened), so `finalize` reads one slot when nothing happened.
    /// Keyed by provider too: commits are checked against the market only when an audit or dispute needs it (not
    /// on the common path), so a stranger's commit under forged terms must not take the provider's place.
    mapping(uint256 jobId => mapping(address provider => bytes32)) private _seals;
    mapping(uint256 jobId => Case) private _cases;
    mapping(bytes32 modelId => Pool) private _pools;
    mapping(bytes32 modelId => mapping(address auditor => Auditor)) private _auditors;
    mapping(address account => uint256) private _owed;

    /// @param authority The AccessManager (its admin is the DAO's timelock).
    /// @param spotMarket The market (a `SpotMarket`): its payment token, registries and treasury are used here.
    /// @param governanceToken The token auditors bond.
    /// @param initialParams The first parameters version (epoch 1).
    constructor(address authority, ISpotMarket spotMarket, IERC20 governanceToken, Params memory initialParams)
        AccessManaged(authority)
    {
        if (address(spotMarket) == address(0) || address(governanceToken) == address(0)) revert ZeroAddress();
        market = spotMarket;
        paymentToken = spotMarket.paymentToken();
        bondToken = governanceToken;
        _providers = ISpotMarketContext(address(spotMarket)).registry();
        _models = ISpotMarketContext(address(spotMarket)).models();
        _setParams(initialParams);
    }

    // ------------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------------

    /// @notice New parameters for results committed from now on (restricted: the DAO's timelock).
    function setParams(Params calldata params) external restricted {
        _setParams(params);
    }

    /// @notice The parameters committed jobs of version `epoch` use.
    function paramsAt(uint32 epoch) external view returns (Params memory) {
        return _paramsAt[epoch];
    }

    /// @notice The current parameters version.
    function currentEpoch() external view returns (uint32) {
        return _live.epoch;
    }

    /// @notice Adds `amount` of payment tokens to the reward pool (anyone; the DAO funds it).
    function fundRewards(uint256 amount) external nonReentrant {
        rewardPool += amount;
        emit RewardsFunded(msg.sender, amount);
        paymentToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ------------------------------------------------------------------------------------------------------
    // Results
    // ------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOptimisticSettlement
    /// @dev The commit must leave the challenge window and a whole dispute before the deadline. The terms are bound
    /// by their hash, not checked against the market here (that costs a call on every job): `finalize` settles
    /// only with the job's true terms (the market checks them), and an audit or a dispute checks the hash against
    /// the market first. A commit under forged terms therefore can never settle nor waste an auditor's time.
    function commit(uint256 jobId, ISpotMarket.JobTerms calldata terms, uint256[] calldata output)
        external
        returns (Commitment memory c)
    {
        if (msg.sender != terms.provider) revert NotJobProvider(jobId, msg.sender);
        if (output.length == 0 || output.length > MAX_OUTPUT_WORDS) revert InvalidOutput();
        if (_seals[jobId][msg.sender] != 0) revert AlreadyCommitted(jobId);
        Live memory live = _live;
        uint256 finalAt = block.timestamp + live.challengeWindow;
        uint256 span = uint256(live.challengeWindow) + live.disputeTime;
        if (block.timestamp + span > terms.deadline) {
            revert CommitTooLate(jobId, terms.deadline > span ? terms.deadline - span : 0);
        }
        c = Commitment({
            outputHash: keccak256(abi.encodePacked(output)),
            termsHash: _termsHash(terms),
            provider: msg.sender,
            marketId: terms.marketId,
            commitBlock: uint64(block.number),
            committedAt: uint40(block.timestamp),
            finalAt: uint40(finalAt),
            auditBps: live.auditBps,
            epoch: live.epoch
        });
        _seals[jobId][msg.sender] = _sealOfMemory(c);
        emit ResultCommitted(jobId, msg.sender, output, c);
    }

    /// @inheritdoc IOptimisticSettlement
    /// @dev The caller pays the gas of the job's consumer callback, as a provider would.
    function finalize(
        uint256 jobId,
        ISpotMarket.JobTerms calldata terms,
        uint256[] calldata output,
        Commitment calldata c
    ) external nonReentrant {
        bytes32 seal = _checkSeal(jobId, c);
        if (keccak256(abi.encodePacked(output)) != c.outputHash) revert InvalidOutput();
        if (_termsHash(terms) != c.termsHash) revert InvalidJobTerms(jobId);
        if (!_isFinal(jobId, c, seal)) revert NotFinal(jobId);
        bytes32 expected = keccak256(abi.encode(terms.inputHash, c.outputHash));
        assembly ("memory-safe") {
            tstore(FINALIZING_SLOT, jobId)
            tstore(EXPECTED_SLOT, expected)
        }
        market.submitResult(jobId, terms, output, abi.encode(jobId));
        assembly ("memory-safe") {
            tstore(FINALIZING_SLOT, 0)
            tstore(EXPECTED_SLOT, 0)
        }
        // The market's JobSettled records the settlement: no event of our own on the hot path.
        delete _seals[jobId][c.provider];
    }

    /// @notice True only while `finalize` settles job `abi.decode(proof, (uint256))`, whose commitment it checked
    /// (output, finality, terms), and only for that job's input hash and output. The flag outlives the market's
    /// check by the consumer callback of the job, from which a consumer could settle another job of its own as a
    /// provider: such a job passes only with the same input hash and the same output on the same model (a model's
    /// settlement contract verifies that model alone), i.e. with the answer already final for that question.
    function verifyInference(uint256 inputHash, uint256[] calldata output, bytes calldata proof)
        external
        view
        returns (bool)
    {
        if (proof.length != 32) return false;
        uint256 finalizing;
        bytes32 expected;
        assembly ("memory-safe") {
            finalizing := tload(FINALIZING_SLOT)
            expected := tload(EXPECTED_SLOT)
        }
        return finalizing != 0 && finalizing == abi.decode(proof, (uint256))
            && expected == keccak256(abi.encode(inputHash, keccak256(abi.encodePacked(output))));
    }

    /// @notice A constant tag: the model registry reads the optimistic tier from it.
    function verifyingKeyHash() external pure returns (bytes32) {
        return TIER_TAG;
    }

    /// @inheritdoc IOptimisticSettlement
    function isFinal(uint256 jobId, Commitment calldata c) external view returns (bool) {
        bytes32 seal = _seals[jobId][c.provider];
        return seal != 0 && seal & ~bytes32(HAS_CASE) == _sealOf(c) && _isFinal(jobId, c, seal);
    }

    /// @notice Whether job `jobId` is audited (`known` false until the block after the commit exists).
    function auditDraw(uint256 jobId, Commitment calldata c) external view returns (bool known, bool audited) {
        return _draw(jobId, c);
    }

    /// @notice The seal of `provider`'s commit for a job not yet finalized (zero otherwise; bit 0: audit drawn or
    /// dispute opened).
    function sealOf(uint256 jobId, address provider) external view returns (bytes32) {
        return _seals[jobId][provider];
    }

    // ------------------------------------------------------------------------------------------------------
    // Audits
    // ------------------------------------------------------------------------------------------------------

    /// @notice Records the audit draw of a committed job and, when audited, draws its auditor (anyone; the
    /// provider's node calls it one block after its commit so the draw does not depend on `finalize` coming within
    /// 256 blocks).
    /// When the commit's block hash is gone the job is audited, and the auditor is drawn from the hash of the block
    /// after a first call (`AuditDeferred`), so that whoever calls late cannot choose the block that picks it.
    function drawAudit(uint256 jobId, Commitment calldata c) external nonReentrant {
        _checkSeal(jobId, c);
        Case storage k = _cases[jobId];
        AuditState state = k.auditState;
        if (state != AuditState.None && state != AuditState.Deferred) revert AuditAlreadyDrawn(jobId);
        (bool known, bool audited) = _draw(jobId, c);
        if (!known) revert RandomnessNotReady(jobId);
        _bind(jobId, k, c);
        _seals[jobId][c.provider] |= bytes32(HAS_CASE);
        address auditor;
        if (audited) {
            uint256 source = state == AuditState.Deferred ? k.drawBlock + 1 : c.commitBlock + 1;
            if (block.number <= source) revert RandomnessNotReady(jobId);
            bytes32 r = _randomness(source);
            if (r == 0) {
                k.auditState = AuditState.Deferred;
                k.drawBlock = uint64(block.number);
                emit AuditDeferred(jobId, block.number + 1);
                return;
            }
            address[] memory excluded = new address[](1);
            excluded[0] = c.provider;
            address[] memory picked = _pick(k.modelId, keccak256(abi.encode(r, jobId, "audit")), 1, excluded);
            if (picked.length == 1) auditor = picked[0];
        }
        if (auditor == address(0)) {
            k.auditState = AuditState.Clear;
            emit AuditDrawn(jobId, address(0), 0, 0);
            return;
        }
        _assignAuditor(jobId, k, auditor);
    }

    function _assignAuditor(uint256 jobId, Case storage k, address auditor) private {
        Params storage p = _paramsAt[k.epoch];
        uint40 commitBy = uint40(block.timestamp + p.auditWindow);
        uint40 revealBy = commitBy + p.revealWindow;
        k.auditState = AuditState.Drawn;
        k.auditor = auditor;
        k.auditCommitBy = commitBy;
        k.auditRevealBy = revealBy;
        _auditors[k.modelId][auditor].duties++;
        emit AuditDrawn(jobId, auditor, commitBy, revealBy);
    }

    /// @notice The drawn auditor commits `keccak256(abi.encode(jobId, agrees, outputHash, salt, auditor))`.
    function auditCommit(uint256 jobId, bytes32 voteHash) external {
        Case storage k = _cases[jobId];
        if (k.auditState != AuditState.Drawn || k.auditor != msg.sender) revert NotAuditor(jobId, msg.sender);
        if (block.timestamp > k.auditCommitBy) revert WrongPhase(jobId);
        if (k.auditVote != 0) revert AlreadyAnswered(jobId, msg.sender);
        k.auditVote = voteHash;
        emit AuditCommitted(jobId, msg.sender);
    }

    /// @notice The auditor reveals its answer (`outputHash`: the result it computed). Agreeing pays the reward;
    /// disagreeing opens a dispute (no bond: the auditor's bond answers for a wrong disagreement).
    function auditReveal(uint256 jobId, bool agrees, bytes32 outputHash, bytes32 salt) external nonReentrant {
        Case storage k = _cases[jobId];
        if (k.auditState != AuditState.Drawn || k.auditor != msg.sender) revert NotAuditor(jobId, msg.sender);
        if (block.timestamp > k.auditRevealBy) revert WrongPhase(jobId);
        if (k.auditVote != keccak256(abi.encode(jobId, agrees, outputHash, salt, msg.sender))) {
            revert RevealMismatch(jobId, msg.sender);
        }
        _auditors[k.modelId][msg.sender].duties--;
        emit AuditRevealed(jobId, msg.sender, agrees, outputHash);
        if (agrees) {
            k.auditState = AuditState.Agreed;
            _reward(jobId, msg.sender, _paramsAt[k.epoch].auditorReward);
        } else {
            k.auditState = AuditState.Disagreed;
            if (k.disputeState == DisputeState.None) _openDispute(jobId, k, address(0), 0, outputHash);
        }
    }

    /// @notice Penalises a drawn auditor that did not reveal in time (anyone); the job counts as unaudited.
    function penalizeAuditor(uint256 jobId) external nonReentrant {
        Case storage k = _cases[jobId];
        if (k.auditState != AuditState.Drawn || block.timestamp <= k.auditRevealBy) revert WrongPhase(jobId);
        k.auditState = AuditState.Missed;
        address auditor = k.auditor;
        _auditors[k.modelId][auditor].duties--;
        _penalize(jobId, k.modelId, auditor, _paramsAt[k.epoch].auditorPenalty);
    }

    // ------------------------------------------------------------------------------------------------------
    // Disputes
    // ------------------------------------------------------------------------------------------------------

    /// @notice Challenges a committed result before `finalAt` with `challengeBond` payment tokens (approve
    /// first) and the caller's own result hash. Not by the provider.
    function challenge(uint256 jobId, Commitment calldata c, bytes32 outputHash) external nonReentrant {
        _checkSeal(jobId, c);
        if (block.timestamp >= c.finalAt) revert ChallengeClosed(jobId);
        if (msg.sender == c.provider) revert SelfChallenge(jobId);
        Case storage k = _cases[jobId];
        if (k.disputeState != DisputeState.None) revert DisputeExists(jobId);
        _bind(jobId, k, c);
        _seals[jobId][c.provider] |= bytes32(HAS_CASE);
        uint96 bond = _paramsAt[c.epoch].challengeBond;
        _openDispute(jobId, k, msg.sender, bond, outputHash);
        paymentToken.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice Draws the committee of an open dispute (anyone, from the second block after the opening on). Its
    /// vote phases run from the draw: `auditWindow` to commit, then `revealWindow` to reveal. Whoever wants the
    /// dispute over (the provider, to be paid) draws at once: `disputeTime` leaves room for that and `finalize`.
    function drawCommittee(uint256 jobId) external nonReentrant {
        Case storage k = _cases[jobId];
        if (k.disputeState != DisputeState.Pending) revert WrongPhase(jobId);
        if (block.number <= k.drawBlock + 1) revert RandomnessNotReady(jobId);
        bytes32 r = _randomness(k.drawBlock + 1);
        if (r == 0) {
            // too late for that block's hash: draw from the next one, which nobody knows yet
            k.drawBlock = uint64(block.number);
            emit CommitteeDeferred(jobId, block.number + 1);
            return;
        }
        Params storage p = _paramsAt[k.epoch];
        // Phases from the draw: a member is penalised only after a whole window to answer.
        uint40 commitBy = uint40(block.timestamp + p.auditWindow);
        k.voteCommitBy = commitBy;
        k.voteRevealBy = commitBy + p.revealWindow;
        address[] memory excluded = new address[](3);
        (excluded[0], excluded[1], excluded[2]) = (k.provider, k.challenger, k.auditor);
        address[] memory members = _pick(k.modelId, keccak256(abi.encode(r, jobId, "committee")), p.committeeSize, excluded);
        for (uint256 i; i < members.length; ++i) {
            k.committee.push(members[i]);
            k.votes[members[i]] = bytes32(uint256(1));
            _auditors[k.modelId][members[i]].duties++;
        }
        k.disputeState = DisputeState.Voting;
        emit CommitteeDrawn(jobId, members, commitBy, commitBy + p.revealWindow);
    }

    /// @notice A committee member commits `keccak256(abi.encode(jobId, agrees, outputHash, salt, voter))`, where
    /// `agrees` means the provider's result is right.
    function voteCommit(uint256 jobId, bytes32 voteHash) external {
        Case storage k = _cases[jobId];
        bytes32 seat = k.votes[msg.sender];
        if (k.disputeState != DisputeState.Voting || seat == 0) revert NotCommitteeMember(jobId, msg.sender);
        if (block.timestamp > k.voteCommitBy) revert WrongPhase(jobId);
        if (seat != bytes32(uint256(1))) revert AlreadyAnswered(jobId, msg.sender);
        if (uint256(voteHash) <= 1) revert RevealMismatch(jobId, msg.sender);
        k.votes[msg.sender] = voteHash;
        emit VoteCommitted(jobId, msg.sender);
    }

    /// @notice Reveals a committed vote, after the commit phase (so no member can copy a revealed vote).
    function voteReveal(uint256 jobId, bool agrees, bytes32 outputHash, bytes32 salt) external {
        Case storage k = _cases[jobId];
        if (k.disputeState != DisputeState.Voting || k.votes[msg.sender] == 0) {
            revert NotCommitteeMember(jobId, msg.sender);
        }
        if (block.timestamp <= k.voteCommitBy || block.timestamp > k.voteRevealBy) revert WrongPhase(jobId);
        if (k.revealed[msg.sender]) revert AlreadyAnswered(jobId, msg.sender);
        if (k.votes[msg.sender] != keccak256(abi.encode(jobId, agrees, outputHash, salt, msg.sender))) {
            revert RevealMismatch(jobId, msg.sender);
        }
        k.revealed[msg.sender] = true;
        if (agrees) {
            k.revealedUpheld[msg.sender] = true;
            k.votesUpheld++;
        } else {
            k.votesOverturned++;
        }
        emit VoteRevealed(jobId, msg.sender, agrees, outputHash);
    }

    /// @notice Settles a dispute's bonds after its reveal phase (anyone). Provider wrong: the challenger's bond
    /// comes back with a reward, the disagreeing auditor is rewarded, an auditor that had agreed is penalised.
    /// Provider right: the challenger's bond is split among the members who upheld it (the rest to the treasury),
    /// a disagreeing auditor is penalised. Majority members are rewarded, silent members penalised.
    function resolve(uint256 jobId) external nonReentrant {
        Case storage k = _cases[jobId];
        if (k.disputeState != DisputeState.Voting || block.timestamp <= k.voteRevealBy) revert WrongPhase(jobId);
        bool overturned = _overturned(k);
        k.disputeState = overturned ? DisputeState.Overturned : DisputeState.Upheld;
        emit DisputeResolved(jobId, overturned, k.votesUpheld, k.votesOverturned);
        Params storage p = _paramsAt[k.epoch];
        bytes32 modelId = k.modelId;
        uint256 winners;
        uint256 n = k.committee.length;
        for (uint256 i; i < n; ++i) {
            address member = k.committee[i];
            _auditors[modelId][member].duties--;
            if (!k.revealed[member]) {
                _penalize(jobId, modelId, member, p.auditorPenalty);
            } else if (k.revealedUpheld[member] != overturned) {
                winners++;
                _reward(jobId, member, p.auditorReward);
            }
        }
        address challenger = k.challenger;
        uint96 bond = k.bond;
        AuditState audit = k.auditState;
        if (overturned) {
            if (challenger != address(0)) {
                _owed[challenger] += bond;
                _reward(jobId, challenger, p.auditorReward);
            }
            if (audit == AuditState.Disagreed) _reward(jobId, k.auditor, p.auditorReward);
            else if (audit == AuditState.Agreed) _penalize(jobId, modelId, k.auditor, p.auditorPenalty);
            return;
        }
        if (audit == AuditState.Disagreed) _penalize(jobId, modelId, k.auditor, p.auditorPenalty);
        if (bond == 0) return;
        uint256 share = winners == 0 ? 0 : bond / winners;
        if (share != 0) {
            for (uint256 i; i < n; ++i) {
                address member = k.committee[i];
                if (k.revealed[member] && k.revealedUpheld[member]) _owed[member] += share;
            }
        }
        _owed[ISpotMarketContext(address(market)).treasury()] += bond - share * winners;
    }

    /// @notice A job's audit and dispute.
    function caseOf(uint256 jobId) external view returns (CaseView memory v) {
        Case storage k = _cases[jobId];
        v.auditState = k.auditState;
        v.disputeState = k.disputeState;
        v.auditor = k.auditor;
        v.auditCommitBy = k.auditCommitBy;
        v.auditRevealBy = k.auditRevealBy;
        v.challenger = k.challenger;
        v.voteCommitBy = k.voteCommitBy;
        v.voteRevealBy = k.voteRevealBy;
        v.votesUpheld = k.votesUpheld;
        v.votesOverturned = k.votesOverturned;
        v.bond = k.bond;
        v.challengerOutputHash = k.challengerOutputHash;
        v.committee = k.committee;
    }

    // ------------------------------------------------------------------------------------------------------
    // Auditors and payouts
    // ------------------------------------------------------------------------------------------------------

    /// @notice Bonds `amount` governance tokens (approve first) to audit `modelId`, an optimistic model of this
    /// contract; a registered provider with the model's minimum VRAM. Adds to an existing bond.
    function bondAuditor(bytes32 modelId, uint256 amount) external nonReentrant {
        IModelRegistry.Model memory model = _models.modelOf(modelId);
        if (address(model.verifier) != address(this)) revert NotOptimisticModel(modelId);
        if (!_providers.isRegistered(msg.sender)) revert NotRegistered(msg.sender);
        if (_providers.vramOf(msg.sender) < model.minVramMb) revert InsufficientVram(msg.sender);
        Auditor storage a = _auditors[modelId][msg.sender];
        uint256 bond = a.bond + amount;
        uint96 minimum = _paramsAt[_live.epoch].minAuditorBond;
        if (bond < minimum) revert BondTooSmall(bond, minimum);
        Pool storage pool = _pools[modelId];
        if (a.index == 0) {
            uint16 index;
            if (pool.free.length != 0) {
                index = pool.free[pool.free.length - 1];
                pool.free.pop();
            } else {
                if (pool.used == MAX_AUDITORS) revert PoolFull(modelId);
                index = ++pool.used;
            }
            a.index = index;
            pool.memberAt[index] = msg.sender;
            _treeAdd(pool, index, bond);
            a.exited = false;
        } else {
            _treeAdd(pool, a.index, amount);
        }
        a.bond = uint96(bond);
        emit AuditorBonded(modelId, msg.sender, amount, bond);
        bondToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Stops being drawn for `modelId` at once; the bond can leave once pending duties are answered.
    function exitAuditor(bytes32 modelId) external {
        Auditor storage a = _auditors[modelId][msg.sender];
        uint16 index = a.index;
        if (index == 0) revert NotRegistered(msg.sender);
        Pool storage pool = _pools[modelId];
        _treeSub(pool, index, a.bond);
        pool.memberAt[index] = address(0);
        pool.free.push(index);
        a.index = 0;
        a.exited = true;
        emit AuditorExited(modelId, msg.sender);
    }

    /// @notice Returns an exited auditor's bond once it has no pending duty.
    function withdrawBond(bytes32 modelId) external nonReentrant {
        Auditor storage a = _auditors[modelId][msg.sender];
        if (!a.exited) revert NotExited(modelId, msg.sender);
        if (a.duties != 0) revert DutiesPending(modelId, msg.sender);
        uint256 amount = a.bond;
        a.bond = 0;
        emit AuditorBondWithdrawn(modelId, msg.sender, amount);
        bondToken.safeTransfer(msg.sender, amount);
    }

    /// @notice `auditor`'s bond, draw index and pending duties for `modelId`.
    function auditorOf(bytes32 modelId, address auditor) external view returns (AuditorView memory) {
        Auditor storage a = _auditors[modelId][auditor];
        return AuditorView({bond: a.bond, index: a.index, duties: a.duties});
    }

    /// @notice Total bond that can be drawn for `modelId`.
    function poolWeight(bytes32 modelId) external view returns (uint256) {
        return _pools[modelId].total;
    }

    /// @notice Payment tokens owed to `account` (rewards, returned or won bonds).
    function owed(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @notice Pays the caller what it is owed.
    function withdraw(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        amount = _owed[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _owed[msg.sender] = 0;
        emit Withdrawal(msg.sender, to, amount);
        paymentToken.safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------------

    function _setParams(Params memory p) private {
        if (
            p.challengeWindow == 0 || p.auditWindow == 0 || p.revealWindow == 0 || p.auditBps > BPS
                || uint256(p.auditWindow) + p.revealWindow > p.challengeWindow
                || uint256(p.auditWindow) + p.revealWindow >= p.disputeTime || p.committeeSize % 2 == 0
                || p.committeeSize > MAX_COMMITTEE || p.minAuditorBond == 0 || p.auditorPenalty > p.minAuditorBond
        ) revert InvalidParams();
        uint32 epoch = _live.epoch + 1;
        _paramsAt[epoch] = p;
        _live = Live({epoch: epoch, challengeWindow: p.challengeWindow, disputeTime: p.disputeTime, auditBps: p.auditBps});
        emit ParamsSet(epoch, p);
    }

    function _checkSeal(uint256 jobId, Commitment calldata c) private view returns (bytes32 seal) {
        seal = _seals[jobId][c.provider];
        if (seal == 0 || seal & ~bytes32(HAS_CASE) != _sealOf(c)) revert InvalidCommitment(jobId);
    }

    /// @dev keccak256(abi.encode(c)) with bit 0 cleared (kept for `HAS_CASE`), over the raw calldata words: a
    /// non-canonical encoding hashes differently and so never matches a seal made from clean values.
    function _sealOf(Commitment calldata c) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, c, COMMITMENT_SIZE)
            h := keccak256(ptr, COMMITMENT_SIZE)
        }
        h &= ~bytes32(HAS_CASE);
    }

    /// @dev The same for a commitment built in memory (a static struct is laid out as its ABI encoding).
    function _sealOfMemory(Commitment memory c) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(c, COMMITMENT_SIZE)
        }
        h &= ~bytes32(HAS_CASE);
    }

    /// @dev keccak256(abi.encode(terms)), as the market's `hashJob`, over the raw calldata words.
    function _termsHash(ISpotMarket.JobTerms calldata terms) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, terms, TERMS_SIZE)
            h := keccak256(ptr, TERMS_SIZE)
        }
    }

    /// @dev Checks that `c` is the job's true provider's commit (its terms hash is the market's commitment for the
    /// job, whose terms name the provider), then records what the audit and dispute paths need, once.
    function _bind(uint256 jobId, Case storage k, Commitment calldata c) private {
        (ISpotMarket.JobStatus status, bytes32 commitment) = market.jobOf(jobId);
        if (status != ISpotMarket.JobStatus.Matched || commitment != c.termsHash) revert InvalidJobTerms(jobId);
        if (k.modelId != 0) return;
        k.provider = c.provider;
        ISpotMarket.MarketInfo memory info = market.marketOf(c.marketId);
        if (info.verifier != address(this)) revert NotOptimisticModel(info.modelId);
        k.modelId = info.modelId;
        k.epoch = c.epoch;
    }

    function _openDispute(uint256 jobId, Case storage k, address challenger, uint96 bond, bytes32 outputHash)
        private
    {
        k.disputeState = DisputeState.Pending;
        k.challenger = challenger;
        k.bond = bond;
        k.drawBlock = uint64(block.number);
        k.challengerOutputHash = outputHash;
        emit DisputeOpened(jobId, challenger, outputHash, bond);
    }

    /// @dev Final: the window passed, the audit (if drawn) agreed or was missed, and no dispute is pending or lost.
    function _isFinal(uint256 jobId, Commitment calldata c, bytes32 seal) private view returns (bool) {
        if (block.timestamp < c.finalAt) return false;
        if (seal & bytes32(HAS_CASE) == 0) {
            (bool known, bool audited) = _draw(jobId, c);
            return known && !audited;
        }
        Case storage k = _cases[jobId];
        AuditState audit = k.auditState;
        if (audit == AuditState.None) {
            (bool known, bool audited) = _draw(jobId, c);
            if (!known || audited) return false;
        } else if (audit == AuditState.Drawn) {
            if (block.timestamp <= k.auditRevealBy) return false;
        } else if (audit == AuditState.Deferred) {
            return false;
        }
        DisputeState dispute = k.disputeState;
        if (dispute == DisputeState.None || dispute == DisputeState.Upheld) return true;
        if (dispute != DisputeState.Voting || block.timestamp <= k.voteRevealBy) return false;
        return !_overturned(k);
    }

    /// @dev Overturned iff more than half of the committee revealed and a strict majority of them disagreed.
    function _overturned(Case storage k) private view returns (bool) {
        uint256 up = k.votesUpheld;
        uint256 down = k.votesOverturned;
        return (up + down) * 2 > k.committee.length && down > up;
    }

    /// @dev The audit draw: unknown until the block after the commit exists; audited once its hash is gone.
    function _draw(uint256 jobId, Commitment calldata c) private view returns (bool known, bool audited) {
        uint256 source = c.commitBlock + 1;
        if (block.number <= source) return (false, false);
        bytes32 r = _randomness(source);
        if (r == 0) return (true, true);
        return (true, uint256(keccak256(abi.encode(r, jobId))) % BPS < c.auditBps);
    }

    /// @dev The randomness of block `number`, zero when unavailable. The hook for a VRF on chains whose block
    /// producer chooses block hashes (L2 sequencers).
    function _randomness(uint256 number) internal view virtual returns (bytes32) {
        return blockhash(number);
    }

    /// @dev Draws up to `count` distinct auditors of `modelId` by bond, none of `excluded`: excluded and already
    /// drawn auditors' weights are taken out of the tree walk in memory, so no storage is written.
    function _pick(bytes32 modelId, bytes32 seed, uint256 count, address[] memory excluded)
        private
        view
        returns (address[] memory picked)
    {
        Pool storage pool = _pools[modelId];
        Outs memory outs = Outs({
            index: new uint256[](count + excluded.length),
            weight: new uint256[](count + excluded.length),
            n: 0,
            total: pool.total
        });
        for (uint256 i; i < excluded.length; ++i) {
            if (excluded[i] != address(0)) _takeOut(outs, _auditors[modelId][excluded[i]]);
        }
        picked = new address[](count);
        uint256 n;
        while (n < count && outs.total != 0) {
            address member = pool.memberAt[_find(pool, uint256(keccak256(abi.encode(seed, n))) % outs.total, outs)];
            picked[n++] = member;
            _takeOut(outs, _auditors[modelId][member]);
        }
        assembly ("memory-safe") {
            mstore(picked, n)
        }
    }

    /// @dev Weights left out of a draw (excluded or already drawn auditors).
    struct Outs {
        uint256[] index;
        uint256[] weight;
        uint256 n;
        uint256 total;
    }

    function _takeOut(Outs memory outs, Auditor storage a) private view {
        uint256 index = a.index;
        if (index == 0) return;
        for (uint256 j; j < outs.n; ++j) {
            if (outs.index[j] == index) return; // listed twice (a challenger that is also the auditor)
        }
        uint256 w = a.bond;
        outs.index[outs.n] = index;
        outs.weight[outs.n] = w;
        outs.n++;
        outs.total -= w;
    }

    /// @dev Smallest index whose prefix sum of weights (left-out ones taken away) exceeds `r`.
    function _find(Pool storage pool, uint256 r, Outs memory outs) private view returns (uint256) {
        uint256 pos;
        for (uint256 step = MAX_AUDITORS; step != 0; step >>= 1) {
            uint256 next = pos + step;
            if (next > MAX_AUDITORS) continue;
            uint256 w = pool.tree[next];
            // tree[next] sums the weights of indices (pos, next]
            for (uint256 j; j < outs.n; ++j) {
                uint256 index = outs.index[j];
                if (index > pos && index <= next) w -= outs.weight[j];
            }
            if (w <= r) {
                pos = next;
                r -= w;
            }
        }
        return pos + 1;
    }

    function _treeAdd(Pool storage pool, uint256 index, uint256 amount) private {
        pool.total += amount;
        for (; index <= MAX_AUDITORS; index += index & (~index + 1)) {
            pool.tree[index] += amount;
        }
    }

    function _treeSub(Pool storage pool, uint256 index, uint256 amount) private {
        pool.total -= amount;
        for (; index <= MAX_AUDITORS; index += index & (~index + 1)) {
            pool.tree[index] -= amount;
        }
    }

    /// @dev Takes up to `amount` of `auditor`'s bond to the treasury (and out of its draw weight).
    function _penalize(uint256 jobId, bytes32 modelId, address auditor, uint256 amount) private {
        Auditor storage a = _auditors[modelId][auditor];
        if (amount > a.bond) amount = a.bond;
        if (amount == 0) return;
        a.bond -= uint96(amount);
        if (a.index != 0) _treeSub(_pools[modelId], a.index, amount);
        emit AuditorPenalized(jobId, auditor, amount);
        bondToken.safeTransfer(ISpotMarketContext(address(market)).treasury(), amount);
    }

    /// @dev Credits up to `amount` from the reward pool to `account`.
    function _reward(uint256 jobId, address account, uint256 amount) private {
        uint256 pool = rewardPool;
        if (amount > pool) amount = pool;
        if (amount == 0) return;
        rewardPool = pool - amount;
        _owed[account] += amount;
        emit Rewarded(jobId, account, amount);
    }
}
