// Side-effect imports: each module registers its subcommand with `registerCommand`.
import './namesCommand';
import './rulesCommand';
import './traceCommand';
import './samplesCommand';
import './parseCommand';
import './pullCommand';
