// The market credits exactly the amounts it asks `transferFrom` to move, so its payment token must be a plain ERC20:
// a fee-on-transfer or rebasing token would leave it owing more than it holds. A deployment with a real stablecoin
// runs this check first (deploy/scripts/ignition-deploy.ts); the local test token passes it by construction.
import { type Address, type PublicClient, type WalletClient, erc20Abi } from "viem";

export type PaymentTokenCheck = { ok: true } | { ok: false; reason: string };

/**
 * Moves `amount` (default 1 base unit) of `token` from the wallet's account to `probe` (any address the deployer
 * controls or a fresh one) and checks that the sender lost, and the receiver gained, exactly that amount. The
 * wallet must hold at least `amount`.
 */
export async function checkPaymentToken(
  client: PublicClient,
  wallet: WalletClient,
  token: Address,
  probe: Address,
  amount = 1n,
): Promise<PaymentTokenCheck> {
  const account = wallet.account;
  if (account === undefined) return { ok: false, reason: "the wallet has no account to send the probe transfer from" };
  const balance = (who: Address) =>
    client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  const [fromBefore, toBefore] = await Promise.all([balance(account.address), balance(probe)]);
  if (fromBefore < amount)
    return { ok: false, reason: `the deployer holds ${fromBefore} base units of ${token}; the check needs ${amount}` };
  const hash = await wallet.writeContract({
    address: token,
    abi: erc20Abi,
    functionName: "transfer",
    args: [probe, amount],
    account,
    chain: wallet.chain,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    return { ok: false, reason: `a transfer of ${amount} base units reverted (${hash})` };
  const [fromAfter, toAfter] = await Promise.all([balance(account.address), balance(probe)]);
  if (fromBefore - fromAfter !== amount || toAfter - toBefore !== amount) {
    return {
      ok: false,
      reason: `a transfer of ${amount} moved ${fromBefore - fromAfter} out and ${toAfter - toBefore} in: ${token} takes a fee or rebases, and the market would become insolvent`,
    };
  }
  return { ok: true };
}
