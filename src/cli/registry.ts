// Side-effect imports: each module registers its subcommand with `registerCommand`.
import './namesCommand';
import './rulesCommand';
import './traceCommand';
import './diagnoseCommand';
import './samplesCommand';
import './parseCommand';
import './pullCommand';
