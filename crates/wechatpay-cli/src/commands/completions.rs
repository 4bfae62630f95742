//! `wechatpay completions bash|zsh|fish|elvish|powershell`

use clap_complete::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: Args, command: &mut clap::Command) {
    clap_complete::generate(args.shell, command, "wechatpay", &mut std::io::stdout());
}
