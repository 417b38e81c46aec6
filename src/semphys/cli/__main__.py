from semphys.cli import main

main()
