import { Cron } from 'croner';

export type CronIssue = { field: 'cron' | 'tz'; message: string };

/** What is wrong with a cron expression and its time zone: each problem, both when both are wrong. */
export function cronIssues(expression: string, timeZone?: string): CronIssue[] {
  const issues: CronIssue[] = [];
  try {
    new Cron(expression, { paused: true }).stop();
  } catch (error) {
    issues.push({ field: 'cron', message: `invalid cron expression "${expression}": ${cronMessage(error)}` });
  }
  if (timeZone !== undefined && !knownTimeZone(timeZone)) {
    issues.push({
      field: 'tz',
      message: `unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin or UTC`,
    });
  }
  return issues;
}

/** Whether Intl and croner both accept the zone (checked with a cron that is always valid). */
function knownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    new Cron('0 0 * * *', { paused: true, timezone: timeZone }).nextRun(new Date(0));
    return true;
  } catch {
    return false;
  }
}

const cronMessage = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
