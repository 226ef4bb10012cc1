export { loadContract, loadDocument, compileContract } from './contract.js';
export type { Contract, ContractOperation, OperationMatch, MatchResult, RequestParts, ResponseParts, Violation, LoadOptions } from './contract.js';
