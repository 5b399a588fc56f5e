// The whole Sovra system as one Ignition module: tokens, registries, market, governance, and the hand-over
// of every privileged role to the timelock. `buildSovraModule` takes the deployment's policy so that the local
// network and tests can build variants; the default export is the local-chain deployment.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Future } from "@nomicfoundation/ignition-core";
import { keccak256, toFunctionSelector, toHex, zeroAddress, type Hex } from "viem";
import { DEFAULT_OPTIMISTIC_PARAMS, type MarketParams, type OptimisticParams } from "@sovra/contracts";
import { localAccount, localRoles } from "../../src/accounts.ts";

export type { MarketParams };

/** AccessManager role that may move providers' collateral (held by the market only). */
export const MARKET_ROLE = 1n;
const ADMIN_ROLE = 0n;
const TIMELOCK_PROPOSER_ROLE = keccak256(toHex("PROPOSER_ROLE"));
const TIMELOCK_CANCELLER_ROLE = keccak256(toHex("CANCELLER_ROLE"));
const TIMELOCK_ADMIN_ROLE = `0x${"00".repeat(32)}` as Hex;

export type ModelConfig = {
  /** Registry id (bytes32). */
  modelId: Hex;
  /**
   * `optimistic`: the model's verifier is an OptimisticSettlement of its own, with `optimisticParams`
   * (`verifierContract` is ignored and `vkeyHash` must be its tag, `OPTIMISTIC_TIER_TAG`). Default `zk`.
   */
  tier?: "zk" | "optimistic";
  /** Solidity contract name of the model's `IInferenceVerifier` adapter (no constructor arguments). */
  verifierContract: string;
  /** CIDv1 of the quantized weights (kept in the deployment record; the registry stores `weightsMultihash`) */
  weightsCid: string;
  /** the CID's multihash, as the model registry stores it */
  weightsMultihash: Hex;
  /** keccak256 of the verifying key (`vkeyHash` of `vkey.json`): the verifier must report the same */
  vkeyHash: Hex;
  ioSpec: string;
  minVramMb: number;
  /** Policy classes to open a market for. */
  policyClasses: readonly number[];
  /**
   * This model's markets' params (default: the deployment's `marketParams`). An optimistic model needs a
   * `minJobWindow` of at least `challengeWindow + disputeTime` plus its compute time.
   */
  marketParams?: MarketParams;
};

export type SovraDeployConfig = {
  /**
   * Address of the deployment's stablecoin; `undefined` deploys the faucet test token (local chains). It must be a
   * plain ERC20 (no fee on transfer, no rebasing): the deploy script checks it with a 1-unit probe transfer.
   */
  paymentToken?: Hex;
  /** Receiver of the 1-unit payment-token probe transfer (default: 0x…dEaD: one base unit is given up). */
  paymentTokenProbe?: Hex;
  sovSupply: bigint;
  /** Share of the SOV supply that goes to the DAO treasury (the timelock). */
  treasurySov: bigint;
  unbondingDelay: bigint;
  timelockMinDelay: bigint;
  votingDelay: bigint;
  votingPeriod: bigint;
  proposalThreshold: bigint;
  quorumPercent: bigint;
  /** claim name -> attesters trusted for it at launch. */
  trustedAttesters: Readonly<Record<string, readonly Hex[]>>;
  /** policy class id -> claim names it requires (class 0 needs none). */
  policyClasses: Readonly<Record<number, readonly string[]>>;
  models: readonly ModelConfig[];
  marketParams: MarketParams;
  /** The optimistic tier's first parameters (contracts/README.md, "Optimistic tier"). */
  optimisticParams: OptimisticParams;
};

export const claimId = (name: string): Hex => keccak256(toHex(name));

/** The local network's development attester (a public Hardhat key): trusted for every claim, on chain 31337 only. */
const localAttester = localAccount(localRoles.attester).address;

/** Settings of the local development network (fast governance, small stakes). */
export const localConfig: SovraDeployConfig = {
  sovSupply: 100_000_000n * 10n ** 18n,
  treasurySov: 40_000_000n * 10n ** 18n,
  unbondingDelay: 3_600n,
  timelockMinDelay: 3_600n,
  votingDelay: 1n,
  votingPeriod: 50n,
  proposalThreshold: 0n,
  quorumPercent: 4n,
  // Every policy class with a market has a trusted attester, so its markets can be used locally.
  trustedAttesters: { GDPR: [localAttester], SOC2: [localAttester], TEE: [localAttester] },
  policyClasses: { 1: ["GDPR", "SOC2"], 2: ["TEE"] },
  models: [],
  optimisticParams: DEFAULT_OPTIMISTIC_PARAMS,
  marketParams: {
    tickSize: 1_000n, // 0.001 tUSD
    collateralPerJob: 10n * 10n ** 18n,
    callbackPremium: 2_000n, // 0.002 tUSD: a callback's gas (up to callbackGasLimit), paid by the buyer that asks
    feeBps: 250,
    minJobWindow: 120,
    maxJobWindow: 86_400, // a job holds a provider's collateral for a day at most
    callbackGasLimit: 200_000,
    maxAskCapacity: 1_000,
    active: true,
  },
};

export function buildSovraModule(config: SovraDeployConfig, id = "Sovra") {
  return buildModule(id, (m) => {
    const deployer = m.getAccount(0);

    const manager = m.contract("AccessManager", [deployer]);
    const sovraToken = m.contract("SovraToken", [deployer, config.sovSupply]);
    const paymentToken =
      config.paymentToken === undefined
        ? m.contract("TestStablecoin", [])
        : m.contractAt("TestStablecoin", config.paymentToken, { id: "PaymentToken" });

    const timelock = m.contract("TimelockController", [config.timelockMinDelay, [], [zeroAddress], deployer]);
    const governor = m.contract("SovraGovernor", [
      sovraToken,
      timelock,
      config.votingDelay,
      config.votingPeriod,
      config.proposalThreshold,
      config.quorumPercent,
    ]);

    const providerRegistry = m.contract("ProviderRegistry", [manager, sovraToken, config.unbondingDelay]);
    const attestationRegistry = m.contract("AttestationRegistry", [manager]);
    const modelRegistry = m.contract("ModelRegistry", [manager]);
    const spotMarket = m.contract("SpotMarket", [
      manager,
      paymentToken,
      providerRegistry,
      attestationRegistry,
      modelRegistry,
      timelock,
    ]);

    // The market alone may move collateral.
    const collateralSelectors = [
      "lockCollateral(address,uint256)",
      "unlockCollateral(address,uint256)",
      "slashCollateral(address,uint256,address[],uint256[])",
    ].map((signature) => toFunctionSelector(signature));
    const roleTargets = m.call(manager, "setTargetFunctionRole", [providerRegistry, collateralSelectors, MARKET_ROLE], {
      id: "MarketRoleTargets",
    });
    const marketRole = m.call(manager, "grantRole", [MARKET_ROLE, spotMarket, 0], { id: "GrantMarketRole" });

    // Launch policy, set while the deployer still administers; everything after goes through governance.
    const policy: Future[] = [roleTargets, marketRole];
    for (const [claim, attesters] of Object.entries(config.trustedAttesters)) {
      attesters.forEach((attester, index) => {
        policy.push(
          m.call(attestationRegistry, "setAttesterTrusted", [claimId(claim), attester, true], {
            id: `TrustAttester_${claim}_${index}`,
          }),
        );
      });
    }
    for (const [classId, claims] of Object.entries(config.policyClasses)) {
      policy.push(
        m.call(attestationRegistry, "setPolicyClass", [Number(classId), claims.map(claimId)], {
          id: `PolicyClass_${classId}`,
        }),
      );
    }
    config.models.forEach((model, index) => {
      // An optimistic model's verifier is its own OptimisticSettlement. It needs no role: it settles through
      // submitResult as the market's verifier, and its setters are the admin's (the timelock after the hand-over).
      const verifier =
        model.tier === "optimistic"
          ? m.contract("OptimisticSettlement", [manager, spotMarket, sovraToken, config.optimisticParams], {
              id: `Verifier_${index}`,
            })
          : m.contract(model.verifierContract, [], { id: `Verifier_${index}` });
      const registered = m.call(
        modelRegistry,
        "registerModel",
        [model.modelId, model.weightsMultihash, model.vkeyHash, verifier, model.ioSpec, model.minVramMb],
        { id: `RegisterModel_${index}` },
      );
      const approved = m.call(modelRegistry, "setModelApproved", [model.modelId, true], {
        id: `ApproveModel_${index}`,
        after: [registered],
      });
      policy.push(approved);
      for (const policyClass of model.policyClasses) {
        policy.push(
          m.call(spotMarket, "createMarket", [model.modelId, policyClass, model.marketParams ?? config.marketParams], {
            id: `Market_${index}_${policyClass}`,
            after: [approved, ...policy],
          }),
        );
      }
    });

    // The DAO's treasury holds part of the governance token.
    m.call(sovraToken, "transfer", [timelock, config.treasurySov], { id: "FundTreasury" });

    // Hand over: the governor proposes and cancels, anyone executes after the delay, nobody else administers.
    const proposer = m.call(timelock, "grantRole", [TIMELOCK_PROPOSER_ROLE, governor], { id: "GovernorProposes" });
    const canceller = m.call(timelock, "grantRole", [TIMELOCK_CANCELLER_ROLE, governor], { id: "GovernorCancels" });
    m.call(timelock, "renounceRole", [TIMELOCK_ADMIN_ROLE, deployer], {
      id: "DeployerLeavesTimelock",
      after: [proposer, canceller],
    });
    const timelockAdmin = m.call(manager, "grantRole", [ADMIN_ROLE, timelock, 0], {
      id: "TimelockAdministers",
      after: policy,
    });
    m.call(manager, "renounceRole", [ADMIN_ROLE, deployer], { id: "DeployerLeavesManager", after: [timelockAdmin] });

    return {
      accessManager: manager,
      sovraToken,
      paymentToken,
      providerRegistry,
      attestationRegistry,
      modelRegistry,
      spotMarket,
      timelock,
      governor,
    };
  });
}

export default buildSovraModule(localConfig);
