"use client";
// Pull payments: what the market owes the connected account (refunds, earnings), and the button to take it.
import type { Address } from "viem";
import { useReadContract, useWriteContract } from "wagmi";
import { marketAbi } from "@/lib/abis";
import { formatAmount } from "@/lib/format";
import { useTokenInfo, useTx } from "@/lib/hooks";
import type { Deployment } from "@/lib/runtime-config";
import { TxStatus } from "./TxStatus";

export function WithdrawOwed({ deployment, account }: { deployment: Deployment; account: Address }) {
  const market = deployment.contracts.spotMarket;
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const owed = useReadContract({ address: market, abi: marketAbi, functionName: "owed", args: [account] });
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  if (!owed.data || !token) return tx.state.status === "idle" ? null : <TxStatus state={tx.state} />;
  return (
    <div>
      <button
        type="button"
        disabled={tx.busy}
        onClick={() =>
          tx.run("Withdraw", () =>
            writeContractAsync({ address: market, abi: marketAbi, functionName: "withdraw", args: [account] }),
          )
        }
      >
        Withdraw {formatAmount(owed.data, token.decimals)} {token.symbol}
      </button>
      <TxStatus state={tx.state} />
    </div>
  );
}
