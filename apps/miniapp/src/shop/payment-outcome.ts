/** The user closed Tiki's payment screen without paying (or canceled on it). The order is not paid. */
export class PaymentCanceledError extends Error {
  override name = 'PaymentCanceledError';
}

/** The server has not seen the payment settle within the wait: Tiki may still confirm it (an IPN, or a re-read). */
export class PaymentPendingError extends Error {
  override name = 'PaymentPendingError';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} is not settled yet`);
  }
}
