/** One schema step: applied once, in order, inside its own transaction. `name` is for humans and errors. */
export type Migration = { name: string; sql: string };
