export { sourceGenerator, normalizeSourceOptions, SourceGeneratorError, RESERVED_SOURCE_NAMES, SOURCES_DIR, WATERMARK_COLUMN_PATTERN } from './generators/source/generator';
export type { NormalizedSourceOptions } from './generators/source/generator';
export type { SourceGeneratorSchema } from './generators/source/schema';
