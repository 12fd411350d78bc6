export * from './scenario.ts';
export * from './issues.ts';
export * from './restore.ts';
export * from './references.ts';
export { migrate, MIGRATIONS, type Migration } from './migrate.ts';
export { checkScenario } from './checks.ts';
export { splitSubRef } from './primitives.ts';
