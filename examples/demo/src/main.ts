import { version } from "@apo/losses";
console.log(version);
