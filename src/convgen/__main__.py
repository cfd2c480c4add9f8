from convgen.cli import main

main()
