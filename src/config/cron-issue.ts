import { Cron } from 'croner';

/** Why a cron expression or time zone is invalid, or undefined when croner accepts both. */
export function cronIssue(
  expression: string,
  timeZone?: string,
): { field: 'cron' | 'tz'; message: string } | undefined {
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true });
  } catch (error) {
    return { field: 'cron', message: `invalid cron expression "${expression}": ${cronMessage(error)}` };
  }
  cron.stop();
  if (timeZone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    new Cron(expression, { paused: true, timezone: timeZone }).nextRun(new Date(0));
  } catch {
    return {
      field: 'tz',
      message: `unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin or UTC`,
    };
  }
  return undefined;
}

const cronMessage = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
