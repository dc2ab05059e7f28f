/** Shapes shared by the bench runner, its scenarios and bench/results.json. */
import type { Pool } from '../src/db/index.ts';

/** A target a figure is judged against: on the figure itself or on figure ÷ baseline. */
export interface Target {
  /** What is compared: the figure's value or the ratio figure ÷ baseline. */
  on: 'value' | 'ratio';
  op: '<=' | '>=';
  limit: number;
  /** Human form shown in the table, e.g. "≥ 0.5 × raw" or "≤ 20 ms". */
  text: string;
}

/** The same-run baseline a figure is compared with. */
export interface Baseline {
  name: string;
  value: number;
  unit: string;
}

/** One row of bench/results.json (and of the printed table). */
export interface BenchResult {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  baseline: Baseline | null;
  /** value ÷ baseline.value (null without a baseline). */
  ratio: number | null;
  target: Target | null;
  /** null when the row has no target. */
  pass: boolean | null;
  /** Sizes, settings and counts the figure was measured with. */
  params: Record<string, unknown>;
}

/** Machine the figures came from. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  /** 1-minute load average when the run started and ended (other work on the machine skews figures; ratios less so). */
  loadAverage: { start: number; end: number };
}

/** The whole of bench/results.json: run metadata plus the rows. */
export interface BenchReport {
  generatedAt: string;
  durationS: number;
  scenarios: string[];
  machine: MachineInfo;
  /** Database settings both sides of every comparison ran with. */
  database: { embedded: true; fsync: 'on' | 'off'; synchronousCommit: 'on' | 'off'; fullPageWrites: 'on' | 'off'; sharedBuffers: string; note: string };
  results: BenchResult[];
}

/** Fresh databases for scenarios (each a clone of a migrated template). */
export interface BenchDatabases {
  /** A new migrated database with its own pool (`poolMax` default 20). */
  fresh(opts?: { poolMax?: number }): Promise<BenchDatabase>;
}

/** One scenario's database. */
export interface BenchDatabase {
  url: string;
  pool: Pool;
  /** Close the pool and drop the database. */
  drop(): Promise<void>;
}

/** What a scenario runs with. */
export interface ScenarioContext {
  databases: BenchDatabases;
  /** Progress line (stderr), not part of the results. */
  log: (line: string) => void;
}

/** A scenario: its name and how to run it with parsed options. */
export interface Scenario<O> {
  name: string;
  /** One line for --help and the README. */
  description: string;
  run(ctx: ScenarioContext, opts: O): Promise<BenchResult[]>;
}
