from compms.cli import main

main()
