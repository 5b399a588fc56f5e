// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ISpotMarket} from "./ISpotMarket.sol";

/// @title IOptimisticSettlement
/// @notice The optimistic tier: a provider commits a job's result, the result stands unless a random audit or a
/// challenge shows it wrong before its challenge window ends, and once final anyone settles it through the spot
/// market (`finalize`). A result that lost its dispute can never settle: the job expires at its deadline, the buyer
/// is refunded and the provider's collateral slashed by the market. See contracts/README.md, "Optimistic tier".
interface IOptimisticSettlement {
    /// @notice Governed parameters. A job uses the version (`epoch`) in force when its result was committed.
    struct Params {
        uint32 challengeWindow; // seconds after a commit during which it can be challenged; final after it
        uint32 auditWindow; // seconds a drawn auditor or committee member has to commit its answer
        uint32 revealWindow; // seconds after that to reveal it
        uint32 disputeTime; // seconds a dispute may take (>= auditWindow + revealWindow, the rest to finalize)
        uint16 auditBps; // probability that a commit is audited, in basis points
        uint8 committeeSize; // voters drawn for a dispute (odd)
        uint96 challengeBond; // payment-token units a challenger deposits
        uint96 auditorReward; // payment-token units paid from the reward pool per useful answer
        uint96 minAuditorBond; // governance-token units an auditor must bond per model
        uint96 auditorPenalty; // governance-token units an auditor loses for a missed or wrong answer
    }

    /// @notice What a commit fixed; its hash is the job's seal. Every later call about the job passes it back
    /// (it is in `ResultCommitted`).
    struct Commitment {
        bytes32 outputHash; // keccak256(abi.encodePacked(output))
        bytes32 termsHash; // keccak256(abi.encode(terms)): the market's commitment for the job
        address provider;
        uint32 marketId;
        uint64 commitBlock; // the audit draw uses the hash of the next block
        uint40 committedAt;
        uint40 finalAt; // committedAt + challengeWindow
        uint16 auditBps;
        uint32 epoch; // parameters version
    }

    enum AuditState {
        None, // not drawn yet
        Clear, // drawn: not audited (or no auditor registered)
        Drawn, // an auditor was drawn and has not revealed
        Agreed,
        Disagreed, // opened a dispute
        Missed, // the auditor did not answer in time (penalised); the job counts as unaudited
        Deferred // audited (the commit's block hash was gone): the auditor is drawn from a later block
    }

    enum DisputeState {
        None,
        Pending, // opened, committee not drawn yet
        Voting,
        Upheld, // the provider's result stands
        Overturned // the provider's result was wrong: the job can never settle
    }

    /// @notice What a job's audit and dispute look like (zero fields before any).
    struct CaseView {
        AuditState auditState;
        DisputeState disputeState;
        address auditor;
        uint40 auditCommitBy;
        uint40 auditRevealBy;
        address challenger; // zero for a dispute the auditor opened
        uint40 voteCommitBy;
        uint40 voteRevealBy;
        uint8 votesUpheld;
        uint8 votesOverturned;
        uint96 bond;
        bytes32 challengerOutputHash;
        address[] committee;
    }

    /// @notice Auditor `auditor`'s standing for one model.
    struct AuditorView {
        uint96 bond;
        uint16 index; // position in the model's draw tree; 0 when not drawable
        uint32 duties; // audits and committee seats not yet answered or resolved
    }

    /// @notice Parameters version `epoch` applies to results committed from now on.
    event ParamsSet(uint32 indexed epoch, Params params);
    /// @notice The buyer's answer, provisional until final; `commitment.outputHash` binds it.
    event ResultCommitted(uint256 indexed jobId, address indexed provider, uint256[] output, Commitment commitment);
    /// @notice The audit draw of `jobId`: `auditor` is zero when the job is not audited.
    event AuditDrawn(uint256 indexed jobId, address indexed auditor, uint40 commitBy, uint40 revealBy);
    /// @notice The audit of `jobId` is drawn from the hash of block `fromBlock` (call `drawAudit` again then).
    event AuditDeferred(uint256 indexed jobId, uint256 fromBlock);
    /// @notice The committee of `jobId` is drawn from the hash of block `fromBlock` (call `drawCommittee` again).
    event CommitteeDeferred(uint256 indexed jobId, uint256 fromBlock);
    /// @notice The drawn auditor committed its answer's hash.
    event AuditCommitted(uint256 indexed jobId, address indexed auditor);
    /// @notice The auditor's answer: `outputHash` is the result it computed.
    event AuditRevealed(uint256 indexed jobId, address indexed auditor, bool agrees, bytes32 outputHash);
    /// @notice `amount` of the auditor's bond went to the treasury (missed or wrong answer).
    event AuditorPenalized(uint256 indexed jobId, address indexed auditor, uint256 amount);
    /// @notice A dispute opened: `challenger` is zero when the drawn auditor disagreed.
    event DisputeOpened(uint256 indexed jobId, address indexed challenger, bytes32 challengerOutputHash, uint96 bond);
    /// @notice The dispute's committee and its vote phases.
    event CommitteeDrawn(uint256 indexed jobId, address[] committee, uint40 commitBy, uint40 revealBy);
    /// @notice A committee member committed its vote's hash.
    event VoteCommitted(uint256 indexed jobId, address indexed voter);
    /// @notice A committee member's vote: `agrees` means the provider's result is right.
    event VoteRevealed(uint256 indexed jobId, address indexed voter, bool agrees, bytes32 outputHash);
    /// @notice The dispute's outcome; bonds, rewards and penalties were settled.
    event DisputeResolved(uint256 indexed jobId, bool overturned, uint8 votesUpheld, uint8 votesOverturned);
    /// @notice `auditor` added `amount` to its bond for `modelId` (now `bond`).
    event AuditorBonded(bytes32 indexed modelId, address indexed auditor, uint256 amount, uint256 bond);
    /// @notice `auditor` is no longer drawn for `modelId`.
    event AuditorExited(bytes32 indexed modelId, address indexed auditor);
    /// @notice An exited auditor took its bond back.
    event AuditorBondWithdrawn(bytes32 indexed modelId, address indexed auditor, uint256 amount);
    /// @notice `amount` payment tokens added to the reward pool.
    event RewardsFunded(address indexed from, uint256 amount);
    /// @notice `amount` from the reward pool is owed to `account` for its part in job `jobId`.
    event Rewarded(uint256 indexed jobId, address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount` payment tokens to `to`.
    event Withdrawal(address indexed account, address indexed to, uint256 amount);

    error InvalidParams();
    error NotJobProvider(uint256 jobId, address caller);
    error InvalidJobTerms(uint256 jobId);
    error InvalidOutput();
    error AlreadyCommitted(uint256 jobId);
    /// @notice A commit after `latest` could not be final (window and a dispute) before the job's deadline.
    error CommitTooLate(uint256 jobId, uint256 latest);
    error InvalidCommitment(uint256 jobId);
    error NotFinal(uint256 jobId);
    error RandomnessNotReady(uint256 jobId);
    error AuditAlreadyDrawn(uint256 jobId);
    error NotAuditor(uint256 jobId, address caller);
    error NotCommitteeMember(uint256 jobId, address caller);
    error WrongPhase(uint256 jobId);
    error AlreadyAnswered(uint256 jobId, address caller);
    error RevealMismatch(uint256 jobId, address caller);
    error ChallengeClosed(uint256 jobId);
    error SelfChallenge(uint256 jobId);
    error DisputeExists(uint256 jobId);
    error NotOptimisticModel(bytes32 modelId);
    error NotRegistered(address account);
    error InsufficientVram(address account);
    error BondTooSmall(uint256 bond, uint256 minimum);
    error PoolFull(bytes32 modelId);
    error NotExited(bytes32 modelId, address auditor);
    error DutiesPending(bytes32 modelId, address auditor);
    error NothingToWithdraw(address account);
    error ZeroAddress();

    /// @notice Commits the result of a matched job (its provider only, at most once).
    function commit(uint256 jobId, ISpotMarket.JobTerms calldata terms, uint256[] calldata output)
        external
        returns (Commitment memory);
    /// @notice Settles a final job through the market: anyone may call; the provider is paid.
    function finalize(
        uint256 jobId,
        ISpotMarket.JobTerms calldata terms,
        uint256[] calldata output,
        Commitment calldata commitment
    ) external;
    /// @notice Whether the committed result of `jobId` is final (window over, nothing pending, not overturned).
    function isFinal(uint256 jobId, Commitment calldata commitment) external view returns (bool);
}
