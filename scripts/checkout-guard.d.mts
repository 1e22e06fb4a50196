// Types of checkout-guard.mjs for the TypeScript tests that import it.
export interface CheckoutSnapshot {
  natives: Map<string, string>;
  status: string;
}
export function snapshotCheckout(repo: string): CheckoutSnapshot;
export function checkoutProblems(repo: string, before: CheckoutSnapshot): string[];
