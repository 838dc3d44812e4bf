print("kput")
