"use client";
import { useReadContracts, useWriteContract } from "wagmi";
import { TxStatus } from "@/components/TxStatus";
import { Card, Loading, WithDeployment } from "@/components/ui";
import { useSovraConfig } from "@/components/Providers";
import { ConnectHint, useWriteAccount } from "@/components/Wallet";
import { paymentTokenAbi } from "@/lib/abis";
import { countdown, formatAmount } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx } from "@/lib/hooks";
import { isLocalChain, type Deployment } from "@/lib/runtime-config";

export default function FaucetPage() {
  const { chainId } = useSovraConfig();
  return (
    <>
      <h1>Faucet</h1>
      {isLocalChain(chainId) ? (
        <WithDeployment>{(deployment) => <Faucet deployment={deployment} />}</WithDeployment>
      ) : (
        <p className="empty">The faucet exists on the local test chain only.</p>
      )}
    </>
  );
}

function Faucet({ deployment }: { deployment: Deployment }) {
  const account = useWriteAccount();
  const token = deployment.contracts.paymentToken;
  const info = useTokenInfo(token);
  const now = useChainNow();
  const zero = "0x0000000000000000000000000000000000000000" as const;
  const reads = useReadContracts({
    contracts: [
      { address: token, abi: paymentTokenAbi, functionName: "balanceOf", args: [account ?? zero] },
      { address: token, abi: paymentTokenAbi, functionName: "faucetAvailableAt", args: [account ?? zero] },
      { address: token, abi: paymentTokenAbi, functionName: "FAUCET_AMOUNT" },
    ],
    query: { enabled: account !== undefined },
  });
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const [balance, availableAt, amount] = [reads.data?.[0]?.result, reads.data?.[1]?.result, reads.data?.[2]?.result];
  const wait = availableAt !== undefined && availableAt > 0n && now !== undefined ? countdown(Number(availableAt), now) : undefined;
  return (
    <Card title="Test dollars">
      <p>
        {info ? info.symbol : "tUSD"} is a test stablecoin of the local chain: it has no value. Each address may take{" "}
        {amount !== undefined && info ? formatAmount(amount, info.decimals) : "1,000"} once an hour.
      </p>
      {!account ? (
        <ConnectHint what="use the faucet" />
      ) : !info ? (
        <Loading what="balance" />
      ) : (
        <>
          <p data-testid="faucet-balance">
            Your balance: {balance !== undefined ? `${formatAmount(balance, info.decimals)} ${info.symbol}` : "…"}
          </p>
          {wait && !wait.done && <p className="muted">Next faucet {wait.text}.</p>}
          <button
            type="button"
            disabled={tx.busy}
            onClick={() => tx.run("Faucet", () => writeContractAsync({ address: token, abi: paymentTokenAbi, functionName: "faucet" }))}
          >
            Get {info.symbol}
          </button>
          <TxStatus state={tx.state} />
        </>
      )}
    </Card>
  );
}
