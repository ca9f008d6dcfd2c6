import type { DeliveryRecord, RunDeliveryStatus } from '../contracts/delivery.ts';

/** A run's deliveries taken together: delivered only when every one was delivered. */
export function runDeliveryStatus(deliveries: readonly Pick<DeliveryRecord, 'state'>[]): RunDeliveryStatus {
  if (deliveries.length === 0) return 'none';
  if (deliveries.some((delivery) => delivery.state === 'pending')) return 'pending';
  const delivered = deliveries.filter((delivery) => delivery.state === 'delivered').length;
  if (delivered === deliveries.length) return 'delivered';
  return delivered === 0 ? 'failed' : 'partial';
}
