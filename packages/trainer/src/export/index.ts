export { copyTrlDataset, type TrlDataFormat } from "./copy-trl-dataset.js";
export {
  type ExportTrlOptions,
  type ExportTrlResult,
  exportTrl,
  TRL_MODEL_PLACEHOLDER,
} from "./export-trl.js";
export { EXPORT_TRL_USAGE, exportTrlCommand, parseExportTrlArgs } from "./export-trl-command.js";
export { ExportTrlError } from "./export-trl-error.js";
export {
  TRL_DPO_LOSS_TYPES,
  TRL_EXPORT_DEFAULTS,
  TRL_KTO_LOSS_TYPES,
  type TrlTrainingSettings,
  trlConfig,
} from "./trl-config.js";
export { formatTrlYaml, parseTrlYaml, type TrlConfig } from "./trl-yaml.js";
