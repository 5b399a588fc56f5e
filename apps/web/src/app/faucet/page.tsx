"use client";
import { useReadContracts, useWriteContract } from "wagmi";
import { TxStatus } from "@/components/TxStatus";
import { Card, Loading, WithDeployment } from "@/components/ui";
import { useSovraConfig } from "@/components/Providers";
import { ConnectHint, useWriteAccount } from "@/components/Wallet";
import { paymentTokenAbi } from "@/lib/abis";
import { countdown, formatAmount } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx } from "@/lib/hooks";
import { devAccounts, LOCAL_CHAIN_ID } from "@/lib/dev-accounts";
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
      {chainId === LOCAL_CHAIN_ID && <LocalNetworkHelp />}
    </>
  );
}

/** How to point a browser wallet at the local chain `npm start` runs: the network, and which key to import. */
function LocalNetworkHelp() {
  const { walletRpcUrl, deployment } = useSovraConfig();
  const usd = useTokenInfo(deployment?.contracts.paymentToken);
  const sov = useTokenInfo(deployment?.contracts.sovraToken);
  const balances = useReadContracts({
    contracts: deployment
      ? devAccounts.flatMap((account) => [
          {
            address: deployment.contracts.paymentToken,
            abi: paymentTokenAbi,
            functionName: "balanceOf" as const,
            args: [account.address] as const,
          },
          {
            address: deployment.contracts.sovraToken,
            abi: paymentTokenAbi,
            functionName: "balanceOf" as const,
            args: [account.address] as const,
          },
        ])
      : [],
    query: { enabled: deployment !== null },
  });
  const shown = (value: unknown, token: { decimals: number; symbol: string } | undefined) =>
    typeof value === "bigint" && token ? `${formatAmount(value, token.decimals, 2)} ${token.symbol}` : "…";
  return (
    <Card title="Local network: connect a wallet" id="local-network">
      <ol className="plain-steps">
        <li>
          Add the network to your wallet: RPC URL <code data-testid="wallet-rpc-url">{walletRpcUrl}</code>, chain id{" "}
          <code>{LOCAL_CHAIN_ID}</code>, currency ETH. (The dApp also offers to switch when you connect.)
        </li>
        <li>
          Import into the wallet one of the{" "}
          <strong>
            private keys <code>npm start</code> printed
          </strong>{" "}
          under &quot;Test accounts&quot;, e.g. account #2, the buyer. Each has test ETH for gas; <code>npm start</code>{" "}
          gives each 1,000 tUSD and 10,000 SOV.
        </li>
        <li>
          Connect with &quot;Connect wallet&quot; above. Avoid account #1: the provider node sends its transactions from
          it.
        </li>
      </ol>
      <p className="warn">
        These are Hardhat&apos;s public development accounts: anyone knows their keys. Use them on this local chain
        only.
      </p>
      <div className="table-wrap">
        <table data-testid="dev-accounts" aria-label="Development accounts">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Address and role</th>
              <th scope="col">Balances</th>
            </tr>
          </thead>
          <tbody>
            {devAccounts.map((account, index) => (
              <tr key={account.address}>
                <td>{account.index}</td>
                <td>
                  <span className="mono">{account.address}</span>
                  {account.role && (
                    <>
                      <br />
                      <span className="pill">{account.role}</span>
                      {account.note && <span className="muted"> {account.note}</span>}
                    </>
                  )}
                </td>
                <td className="nowrap">
                  {shown(balances.data?.[index * 2]?.result, usd)}
                  <br />
                  {shown(balances.data?.[index * 2 + 1]?.result, sov)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
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
  const wait =
    availableAt !== undefined && availableAt > 0n && now !== undefined
      ? countdown(Number(availableAt), now)
      : undefined;
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
            onClick={() =>
              tx.run("Faucet", () =>
                writeContractAsync({ address: token, abi: paymentTokenAbi, functionName: "faucet" }),
              )
            }
          >
            Get {info.symbol}
          </button>
          <TxStatus state={tx.state} />
        </>
      )}
    </Card>
  );
}
