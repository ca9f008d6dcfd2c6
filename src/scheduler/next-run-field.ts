/** A stored job's `nextRunAt` field: absent when the job has no slot left. */
export function nextRunField(nextRunAt: number | undefined): { nextRunAt?: number } {
  return nextRunAt === undefined ? {} : { nextRunAt };
}
