import type { JobParameters } from '../jobs/Job.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import { formatDuration } from '../time/parseDuration.js';
import type { JobGraph } from './JobGraph.js';
import type { PlanNode } from './PlanNode.js';

/**
 * A job's graph as text, as Kafka Streams' `Topology#describe`: one line per step, indented
 * under the step it reads, with every move between partitions and every output named.
 */
export function describeJobGraph(graph: JobGraph, parameters: JobParameters): string {
  const children = graph.children();
  const lines = [`job ${graph.name}${graph.description === '' ? '' : `: ${graph.description}`}`];
  const walk = (node: PlanNode, indent: string, last: boolean, top: boolean) => {
    for (const line of describeNode(graph, node, parameters)) {
      lines.push(top ? line : `${indent}${last ? '└─ ' : '├─ '}${line}`);
      if (!top) indent += last ? '   ' : '│  ';
      top = false;
      last = true;
    }
    const next = children.get(node) ?? [];
    next.forEach((child, i) => walk(child, indent, i === next.length - 1, false));
  };
  walk(graph.source, '', true, true);
  const reason = graph.notResumable;
  const moves = graph.moves;
  lines.push(
    reason !== undefined
      ? `runs in one process over every partition (a file, stdin, the generator), since ${reason}`
      : moves === 0
        ? 'runs from any source: each partition’s windows resume from its Kafka commits'
        : `runs from any source; from Kafka each move goes through an internal topic of the consumer group (${Array.from({ length: moves }, (_, m) => `<group>-move-${m + 1}-repartition`).join(', ')}), with the source's partition count, and each partition resumes from its commits`,
  );
  return lines.join('\n');
}

/** The lines of one step: a move and its window are two. */
function describeNode(graph: JobGraph, node: PlanNode, parameters: JobParameters): string[] {
  switch (node.kind) {
    case 'source':
      return [`source: ${node.format.description}, each partition with its own watermark (at most ${formatDuration(graph.maxOutOfOrdernessMs(parameters))} out of order)`];
    case 'stage':
      return [node.label];
    case 'watermarks':
      return [`watermarks: at most ${formatDuration(graph.maxOutOfOrdernessMs(parameters))} out of order`];
    case 'window': {
      const { windows, allowedLatenessMs, trigger } = graph.resolve(node, parameters);
      const keyed = node.keyOf === undefined ? 'per partition' : node.moves ? 'per key' : 'per key within each partition (keyBy sourcePartitioned)';
      const carried = node.moves || graph.isDownstreamOfWindowOrMove(node.parent);
      const waits =
        windows.kind === 'session' && carried
          ? `; fires once, when every writer has passed its end + ${formatDuration(windows.gapMs + allowedLatenessMs)}`
          : node.moves && allowedLatenessMs > 0
            ? `; fires once, when every writer has passed its end + ${formatDuration(allowedLatenessMs)}`
            : '';
      const early = trigger.earlyEveryMs === undefined ? '' : `; early firings every ${formatDuration(trigger.earlyEveryMs)} of wall-clock time while open`;
      const window = `window: ${describeWindows(windows)}, ${keyed}, allowed lateness ${formatDuration(allowedLatenessMs)}${waits}${early}`;
      if (!node.moves) return [window];
      return ['move by key: records of one key meet in one partition; lateness decided before the move; watermark = minimum over the writing partitions', window];
    }
    case 'output':
      return [node.output.kind === 'points' ? 'output: points (--to)' : `output: records "${node.output.name}" (--output ${node.output.name}=…)`];
  }
}

function describeWindows(windows: WindowAssigner): string {
  if (windows.kind === 'session') return `event-time sessions, gap ${formatDuration(windows.gapMs)}`;
  if (windows.sizeMs === windows.slideMs) return `tumbling event-time ${formatDuration(windows.sizeMs)}`;
  return `hopping event-time ${formatDuration(windows.sizeMs)} every ${formatDuration(windows.slideMs)}`;
}
