from flopfolio.cli.main import run

run()
