// Test harnesses: the dialect probes every warehouse's tests run ('@hcrm/sql/testing').
export * from './dialect-probes';
