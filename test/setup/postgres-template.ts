import type { TestProject } from 'vitest/node';
import { buildMigratedTemplate } from '../helpers/postgres-template.js';

/**
 * Once per run, before any test file: a PostgreSQL database migrated to the latest schema, which
 * each test app's throw-away database copies (CREATE DATABASE … TEMPLATE) instead of running
 * every migration again (~0.7 s per PostgreSQL app, a few hundred apps per run). Built afresh at
 * each run from the migrations in the tree, so it never lags behind them; dropped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = await buildMigratedTemplate();
  project.provide('postgresTemplate', template?.name ?? '');
  return async () => {
    await template?.drop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template database's name; empty when PostgreSQL is not reachable (outside CI). */
    postgresTemplate: string;
  }
}
