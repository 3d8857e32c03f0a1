export { witnessRing, zoneOf, type WitnessRing } from './ring';
export {
  judgeWitnessed,
  reportDeadline,
  witnessedViews,
  type Judgement,
  type WatchState,
  type WitnessedRecord,
  type WitnessInput,
} from './judge';
