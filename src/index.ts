// The public API of clickflow: `import { job, clickEvents, TumblingEventTimeWindows, startJob, … } from 'clickflow'`.

// Jobs, in Flink's vocabulary.
export { job } from './api/job.js';
export { JobGraph } from './api/JobGraph.js';
export { DataStream, type KeyByOptions } from './api/DataStream.js';
export { KeyedStream } from './api/KeyedStream.js';
export { WindowedStream } from './api/WindowedStream.js';
export { AggregatedStream } from './api/AggregatedStream.js';
export type { PointFactory, RecordOrigin, ToPoints } from './api/PlanNode.js';
export type { RecordFormat } from './api/RecordFormat.js';
export { json, type JsonFormatOptions, type Validator } from './api/json.js';
export { clickEvents } from './api/clickEvents.js';
export type { Job, JobContext, JobParameters, JobSettings } from './jobs/Job.js';
export type { JobOutput, RecordLine } from './jobs/JobOutput.js';
export { JOBS, findJob } from './jobs/jobRegistry.js';
export { errorRatesJob } from './jobs/errorRates/errorRatesJob.js';
export { sessionsJob } from './jobs/sessions/sessionsJob.js';
export { actionsJob } from './jobs/actions/actionsJob.js';
export type { JobChart, SeriesChart, RankingChart, ChartSeries } from './jobs/JobChart.js';
export { sessionAggregate, type SessionSummary } from './jobs/sessions/SessionAggregate.js';
export { errorRatesAggregate, type ErrorRatesWindow } from './jobs/errorRates/ErrorRatesAggregate.js';
export { jobHealthPoint } from './jobs/jobHealthPoint.js';

// Windows, triggers and aggregates.
export type { Duration } from './operators/Duration.js';
export { TumblingEventTimeWindows } from './operators/TumblingEventTimeWindows.js';
export { SlidingEventTimeWindows } from './operators/SlidingEventTimeWindows.js';
export { EventTimeSessionWindows } from './operators/EventTimeSessionWindows.js';
export type { WindowAssigner, AlignedWindowAssigner, SessionWindowAssigner } from './operators/WindowAssigner.js';
export { EarlyFiringTrigger, EventTimeTrigger, type Trigger, type TimeWindow } from './operators/Trigger.js';
export type { AggregateFunction } from './operators/AggregateFunction.js';
export { count } from './operators/aggregates/count.js';
export { sum } from './operators/aggregates/sum.js';
export { min } from './operators/aggregates/min.js';
export { max } from './operators/aggregates/max.js';
export { ratio, type Ratio } from './operators/aggregates/ratio.js';
export { keyedBy } from './operators/aggregates/keyedBy.js';
export { combine } from './operators/aggregates/combine.js';

// The operators underneath, for pipelines written directly in RxJS.
export { windowAggregate, type WindowAggregateOptions } from './operators/windowAggregate.js';
export { parseRecords, type ParseRecordsOptions } from './operators/parseRecords.js';
export { windowStart } from './operators/windowStart.js';
export { moveByKey, type MoveByKeyOptions } from './operators/moveByKey.js';
export { latenessRule } from './operators/latenessRule.js';
export { KeyError } from './operators/KeyError.js';
export { BoundedOutOfOrdernessWatermarks } from './operators/BoundedOutOfOrdernessWatermarks.js';
export { WatermarkTracker } from './operators/WatermarkTracker.js';
export type { PartitionCheckpoint } from './operators/PartitionCheckpoint.js';
export type { RecordBatch } from './operators/RecordBatch.js';
export type { LateRecord, WindowedBatch, WindowResult } from './operators/WindowResult.js';
export type { WindowHealth } from './operators/WindowHealth.js';

// Points.
export { Point, type FieldValue } from './points/Point.js';
export type { PointData } from './points/PointData.js';
export { PointError } from './points/PointError.js';
export { toLineProtocol } from './points/lineProtocol.js';

// Events.
export type { ClickEvent } from './events/ClickEvent.js';
export { INVALID_REASONS, type InvalidReason, type InvalidRecord } from './events/InvalidRecord.js';
export { validateClickEvent, type ValidationFailure } from './events/validateClickEvent.js';

// Running jobs.
export { startJob, type StartJobOptions } from './runtime/startJob.js';
export { startJobSpec, type StartJobSpecOptions } from './runtime/startJobSpec.js';
export { parseJobSpec } from './runtime/parseJobSpec.js';
export type { JobSpec, SourceSpec, SinkSpec, DeadLetterSpec, RecordOutputSpec, KafkaSpec, KafkaSecuritySpec } from './runtime/JobSpec.js';
export type { JobHandle } from './runtime/JobHandle.js';
export type { JobEvent } from './runtime/JobEvent.js';
export type { JobStatus } from './runtime/JobStatus.js';
export { JobMetrics } from './runtime/JobMetrics.js';
export type { Connector, ConnectorContext, SourceConnector, SinkConnector, DeadLetterConnector, LateOutputConnector, RecordOutputConnector } from './runtime/Connector.js';
export type { Source, SourceCommit } from './runtime/Source.js';
export type { PointSink } from './runtime/PointSink.js';
export type { LineSink } from './runtime/LineSink.js';
export type { DeadLetterSink } from './runtime/DeadLetterSink.js';

// Connectors.
export { kafkaSource, type KafkaSourceSettings } from './connectors/kafka/kafkaSourceConnector.js';
export { kafkaDeadLetters, type KafkaDeadLetterSettings } from './connectors/kafka/kafkaDeadLetterConnector.js';
export { influxSink, type InfluxSinkSettings } from './connectors/influx/influxSinkConnector.js';
export { fileSource } from './connectors/file/fileSourceConnector.js';
export { fileSink } from './connectors/file/fileSinkConnector.js';
export { fileDeadLetters } from './connectors/file/fileDeadLetterConnector.js';
export { fileLateOutput } from './connectors/file/fileLateOutputConnector.js';
export { fileRecords } from './connectors/file/fileRecordsConnector.js';
export { generatorSource, type GeneratorSourceSettings } from './connectors/memory/generatorSourceConnector.js';
export { InMemoryTopic } from './connectors/memory/InMemoryTopic.js';
export { EventFeed } from './connectors/memory/EventFeed.js';
export { InMemoryTopicSource } from './connectors/memory/InMemoryTopicSource.js';
export { discardSink } from './connectors/discard/discardSinkConnector.js';

// Errors and durations.
export { ClickflowError } from './errors/ClickflowError.js';
export { ConfigError } from './errors/ConfigError.js';
export { OutputWriteError } from './connectors/file/OutputWriteError.js';
export { KafkaRequestError } from './connectors/kafka/KafkaRequestError.js';
export { KafkaUnavailableError } from './connectors/kafka/KafkaUnavailableError.js';
export { KafkaTopicMissingError } from './connectors/kafka/KafkaTopicMissingError.js';
export { parseDuration } from './time/parseDuration.js';

// The HTTP collector of browser events (`clickflow collect`).
export { startCollector, type Collector, type CollectorOptions, type StaticRoute } from './collector/startCollector.js';
export { kafkaEventWriter, type KafkaEventWriterOptions } from './collector/kafkaEventWriter.js';
export type { EventWriter, KeyedMessage } from './collector/EventWriter.js';
