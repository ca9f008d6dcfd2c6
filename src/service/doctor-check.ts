/** One line of `pyramid doctor`: ok, warn or fail, and for anything not ok, the fix. */
export type DoctorCheck = {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
};
