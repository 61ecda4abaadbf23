// What a bench run records: measured figures, ratios between contenders,
// targets with their verdicts, notes, and raw trial data for the JSON file.

import { median } from "./stats.ts";

/** One contender's figure in one case: the median of its rounds. */
export interface Row {
  section: string;
  case: string;
  contender: string;
  unit: string;
  /** The median over rounds. */
  value: number;
  /** Every round's figure, in round order. */
  rounds: number[];
  /** Anything else worth a column (peak RSS, order displacement). */
  extra?: string;
  /** The file system measured (see bench/lib/scratch.ts). */
  fs: string;
}

/** A ratio of two contenders measured in the same rounds: median of per-round ratios. */
export interface Ratio {
  section: string;
  name: string;
  value: number;
  rounds: number[];
  /** The file system measured. */
  fs: string;
}

/** A performance target, judged on this run's figures. */
export interface Target {
  name: string;
  value: number;
  unit: string;
  comparison: ">=" | "<";
  threshold: number;
  /** PASS/MISS; "n/a" when the run did not measure it (quick mode). */
  verdict: "PASS" | "MISS" | "n/a";
  basis: string;
}

/** Everything one run produced. */
export class Results {
  readonly rows: Row[] = [];
  readonly ratios: Ratio[] = [];
  readonly targets: Target[] = [];
  readonly notes: string[] = [];
  readonly raw: Record<string, unknown> = {};
  /** The file system the sections now running measure; named in every table. */
  fs = "";

  /** Records a row from per-round figures. */
  row(
    section: string,
    caseName: string,
    contender: string,
    unit: string,
    rounds: number[],
    extra?: string,
  ): Row {
    const row = {
      section,
      case: caseName,
      contender,
      unit,
      value: median(rounds),
      rounds,
      extra,
      fs: this.fs,
    };
    this.rows.push(row);
    return row;
  }

  /** Records the median of `a[i] / b[i]` over rounds. */
  ratio(
    section: string,
    name: string,
    a: readonly number[],
    b: readonly number[],
  ): Ratio {
    const rounds = a.map((x, i) => x / b[i]).filter(Number.isFinite);
    const ratio = {
      section,
      name,
      value: median(rounds),
      rounds,
      fs: this.fs,
    };
    this.ratios.push(ratio);
    return ratio;
  }

  /** Judges a target; a NaN value means "not measured in this run". */
  target(
    name: string,
    value: number,
    unit: string,
    comparison: ">=" | "<",
    threshold: number,
    basis: string,
  ): void {
    const verdict = Number.isNaN(value)
      ? "n/a"
      : (comparison === ">=" ? value >= threshold : value < threshold)
      ? "PASS"
      : "MISS";
    this.targets.push({
      name,
      value,
      unit,
      comparison,
      threshold,
      verdict,
      basis: this.fs === "" ? basis : `${basis}; on ${this.fs}`,
    });
  }

  /** The row for a contender in a case, if measured. */
  find(section: string, caseName: string, contender: string): Row | undefined {
    return this.rows.find((row) =>
      row.section === section && row.case === caseName &&
      row.contender === contender && row.fs === this.fs
    );
  }

  /** The ratio of that name, if measured. */
  findRatio(section: string, name: string): Ratio | undefined {
    return this.ratios.find((ratio) =>
      ratio.section === section && ratio.name === name &&
      ratio.fs === this.fs
    );
  }
}
