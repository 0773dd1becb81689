/**
 * The parts of RxJS that clickflow uses, each from its own module (RxJS exports them as
 * `rxjs/internal/*`). `import … from 'rxjs'` loads every operator RxJS has: about 100 ms of each
 * CLI start on a 2-core machine, a tenth of a short run. These are the very modules the `rxjs`
 * entry loads, so what they make mixes freely with a job's own `import … from 'rxjs'`.
 */
export { Observable } from 'rxjs/internal/Observable';
export { Subject } from 'rxjs/internal/Subject';
export { Subscriber } from 'rxjs/internal/Subscriber';
export { asyncScheduler } from 'rxjs/internal/scheduler/async';
export { interval } from 'rxjs/internal/observable/interval';
export { filter } from 'rxjs/internal/operators/filter';
export { map } from 'rxjs/internal/operators/map';
export { share } from 'rxjs/internal/operators/share';
export { tap } from 'rxjs/internal/operators/tap';
export type { MonoTypeOperatorFunction, OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
