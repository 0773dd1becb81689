/**
 * The points of one target over a time range, by identity: `measurement,tag=value,… time` (tags
 * sorted, time as ISO-8601), each with its fields' values as line protocol writes them (`5i`,
 * `0.5`, `"text"`), so that a value's type counts too. A window's result for one key (or one
 * partition) is one point, so two targets compare window by window.
 */
export type WindowPoints = Map<string, ReadonlyMap<string, string>>;
