// Side-by-side measurement: every round runs each contender once, in an
// order rotated from round to round, so that drift on a noisy machine (other
// processes, page cache, file-system state) spreads over all contenders.

/** One contender in an alternation. */
export interface Contender<T> {
  id: string;
  run: (round: number) => Promise<T>;
}

/**
 * Runs `rounds` rounds of every contender; returns each contender's results
 * in round order. `onTrial` is told about each trial as it ends.
 */
export async function alternate<T>(
  contenders: readonly Contender<T>[],
  rounds: number,
  onTrial?: (id: string, round: number, result: T) => void,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(
    contenders.map((contender) => [contender.id, []]),
  );
  for (let round = 0; round < rounds; round++) {
    const shift = round % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    // Odd rounds run backwards too, so no pair always runs in the same order.
    if (round % 2 === 1) order.reverse();
    for (const contender of order) {
      const result = await contender.run(round);
      results.get(contender.id)!.push(result);
      onTrial?.(contender.id, round, result);
    }
  }
  return results;
}
