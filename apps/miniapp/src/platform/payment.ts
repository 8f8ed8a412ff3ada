/**
 * `my.makePayment` as a promise. Its success callback only says Tiki's payment screen closed after the user went
 * through it: whether the order is paid is the server's to say (it re-reads the order from Tiki). A failure is
 * whatever the screen reported: the user closing it, a used order id, the host refusing (no Tini Console app).
 */
import { numericCode, readHostFailure } from './host-failure.ts';

export class PaymentError extends Error {
  override name = 'PaymentError';
  constructor(
    message: string,
    readonly hostError?: number,
  ) {
    super(message);
  }
}

export function makePayment(orderId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      my.makePayment({
        orderId,
        success: () => resolve(),
        fail: (failure) => {
          const read = readHostFailure(failure);
          reject(
            new PaymentError(
              `my.makePayment failed (error ${read.code ?? 'unknown'}: ${read.message})`,
              numericCode(read),
            ),
          );
        },
      });
    } catch (error) {
      reject(
        new PaymentError(`my.makePayment threw: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  });
}
